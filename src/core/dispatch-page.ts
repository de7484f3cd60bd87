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
 * The dispatch workflow's page of the fan-out corridor (activity `findSubscribers`): the next
 * `limit` matching webhooks after `afterWebhookId`, with their pending rows written in one
 * statement. The workflow starts each with the delivery start spec (delivery-start-spec.ts); the
 * URL it gets is redacted (it is recorded in history and shown in the UI summary).
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
