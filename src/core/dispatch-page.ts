import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { findMatchingWebhookIds } from '../repositories/webhooks-repo.js';
import { redactUrl } from '../security/redact-url.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { insertPendingDeliveries } from './delivery-status.js';

export interface DispatchPageInput {
  teamId: string;
  eventId: string;
  eventType: string;
  projectId: string | null;
  afterWebhookId: string | null;
  limit: number;
}

/**
 * A dispatch page of the fan-out corridor: the next `limit` matching webhooks after
 * `afterWebhookId`, with their pending rows written in one statement. dispatchWorkflowV2's
 * activity starts them itself (start-subscriber-page.ts); the first dispatchWorkflow's activity
 * (`findSubscribers`) returned them for the workflow to start as children. The URL is redacted
 * (it is shown in the UI summary, and was recorded in the first type's history).
 */
export async function dispatchPage(db: Kysely<Database>, input: DispatchPageInput) {
  const hooks = await findMatchingWebhookIds(
    db,
    input.teamId,
    input.eventId,
    input.eventType,
    input.projectId,
    input.afterWebhookId,
    input.limit,
  );
  const subs = hooks.map((h) => ({
    webhookId: h.id,
    httpMethod: h.http_method,
    url: redactUrl(h.url),
    deliveryId: deliveryWorkflowId(input.eventId, h.id),
  }));
  await insertPendingDeliveries(
    db,
    subs.map((s) => ({
      id: s.deliveryId,
      teamId: input.teamId,
      eventId: input.eventId,
      webhookId: s.webhookId,
      eventType: input.eventType,
    })),
  );
  return subs;
}
