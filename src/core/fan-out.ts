import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { startDelivery, startDispatch } from './delivery-start.js';
import { type DispatchedMarker, markDispatched } from './dispatched-mark.js';

/**
 * Up to this many matching webhooks, publish starts the delivery workflows itself (one start
 * call each, no dispatch workflow in between); above it, a dispatch workflow fans out in batches.
 */
export const DIRECT_FANOUT_MAX = 10;

/** A webhook an event goes to, with the two fields its workflow's summary shows. */
export interface FanOutTarget {
  id: string;
  http_method: 'POST' | 'PUT' | 'PATCH';
  url: string;
}

export interface FanOutEvent {
  team_id: string;
  id: string;
  type: string;
  project_id: string | null;
}

export interface FanOutDeps {
  db: Kysely<Database>;
  temporal: Client;
  config: { temporal: { taskQueue: string } };
  /** Deliveries are started eagerly (the client shares a NativeConnection with a worker). */
  eagerStart?: boolean;
  /** Batches the dispatched mark (publish); without it the mark is written before fanOut resolves. */
  marker?: DispatchedMarker;
}

/**
 * Where an event's deliveries are started: `direct`, one start per target, whose pending rows
 * exist already; `dispatch`, one dispatch workflow that pages through the subscribers itself
 * (more than DIRECT_FANOUT_MAX of them; no rows written yet).
 */
export type FanOutPlan = ({ kind: 'direct'; targets: readonly FanOutTarget[] } | { kind: 'dispatch' }) & {
  /** Fifo webhooks' deliveries (rows numbered by publish): always started here, as orderedDeliveryWorkflow. */
  ordered?: readonly OrderedTarget[];
};

/** A fifo webhook's delivery: its place in the (webhook, ordering key) sequence, for the UI summary. */
export interface OrderedTarget extends FanOutTarget {
  ordering_key: string;
  sequence: number;
}

/** The plan for `matched` unordered subscribers (at most DIRECT_FANOUT_MAX + 1 of them need be known) and the fifo ones. */
export function planFor(matched: readonly FanOutTarget[], ordered: readonly OrderedTarget[] = []): FanOutPlan {
  const base: FanOutPlan = matched.length > DIRECT_FANOUT_MAX ? { kind: 'dispatch' } : { kind: 'direct', targets: matched };
  return ordered.length ? { ...base, ordered } : base;
}

/**
 * The one corridor from an accepted event to its delivery workflows (publish, the dispatch of an
 * undispatched or re-published event, test pings, operational events). Resolves once every
 * delivery (or the dispatch) is durably started, then marks the event dispatched. Safe to run
 * twice: workflow ids are deterministic and a duplicate start is ignored.
 */
export async function fanOut(deps: FanOutDeps, event: FanOutEvent, plan: FanOutPlan): Promise<void> {
  const taskQueue = deps.config.temporal.taskQueue;
  if (plan.kind === 'dispatch') {
    await startDispatch(deps.temporal, taskQueue, {
      teamId: event.team_id,
      eventId: event.id,
      eventType: event.type,
      projectId: event.project_id,
    });
  }
  const targets: (FanOutTarget & Partial<OrderedTarget>)[] = [...(plan.kind === 'direct' ? plan.targets : []), ...(plan.ordered ?? [])];
  await Promise.all(
    targets.map((h) =>
      startDelivery(
        deps.temporal,
        taskQueue,
        {
          teamId: event.team_id,
          eventId: event.id,
          webhookId: h.id,
          eventType: event.type,
          httpMethod: h.http_method,
          url: h.url,
          ...(h.sequence !== undefined ? { order: { key: h.ordering_key ?? '', sequence: h.sequence } } : {}),
        },
        false,
        deps.eagerStart,
      ).catch((err) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }),
    ),
  );
  if (deps.marker) deps.marker.mark(event.team_id, event.id);
  else await markDispatched(deps.db, [{ teamId: event.team_id, id: event.id }]);
}
