import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { startDelivery } from './delivery-start.js';
import { dispatchPage, type DispatchPageInput } from './dispatch-page.js';

/** Delivery starts in flight at once while a page is started (each is one RPC to Temporal). */
export const PAGE_START_CONCURRENCY = 32;

export interface SubscriberPageDeps {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
}

/** What a page did; small, as it is recorded in the dispatch workflow's history. */
export interface SubscriberPage {
  /** Deliveries started (a delivery started before, by an earlier try of this page, is not counted). */
  started: number;
  /** The page's last webhook id (the next page's cursor); null when the page was empty. */
  lastWebhookId: string | null;
  /** True when the page was full: there may be more. */
  full: boolean;
}

/**
 * dispatchWorkflowV2's page of the fan-out corridor (activity `startSubscriberPage`): the next
 * `limit` matching webhooks after the cursor, their pending rows written in one statement
 * (dispatchPage), then each delivery started from here with the client's start spec, at most
 * PAGE_START_CONCURRENCY at once. The dispatch workflow records one activity per page instead
 * of two child events per delivery, so a page costs Temporal a few history events and the next
 * page starts as soon as this one's starts are accepted. Safe to run again: rows are inserted
 * once and a delivery id already started is skipped (REJECT_DUPLICATE), so each webhook gets
 * the event once. `heartbeat` is called after each start (a long page on a slow Temporal).
 */
export async function startSubscriberPage(
  deps: SubscriberPageDeps,
  input: DispatchPageInput,
  heartbeat: () => void = () => {},
): Promise<SubscriberPage> {
  const subs = await dispatchPage(deps.db, input);
  let started = 0;
  let next = 0;
  const startNext = async (): Promise<void> => {
    while (next < subs.length) {
      const s = subs[next++]!;
      try {
        await startDelivery(
          deps.temporal,
          deps.taskQueue,
          {
            teamId: input.teamId,
            eventId: input.eventId,
            webhookId: s.webhookId,
            eventType: input.eventType,
            httpMethod: s.httpMethod,
            url: s.url,
          },
          false,
        );
        started++;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      heartbeat();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGE_START_CONCURRENCY, subs.length) }, startNext));
  return { started, lastWebhookId: subs.at(-1)?.webhookId ?? null, full: subs.length === input.limit };
}
