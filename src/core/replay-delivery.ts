import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database, DeliveryRow, WebhookRow } from '../db/database.js';
import { startDelivery } from './delivery-start.js';
import { markReplayed } from './delivery-status.js';

/**
 * Replay and recover's part of the corridor: a new run of a finished delivery under the same id
 * (the delivery start spec with reruns allowed), then `replayed` on its row. The row is reset only
 * once the new run is durably started: a start that fails leaves the row as it was. Throws
 * WorkflowExecutionAlreadyStartedError when a run is going (the caller says CONFLICT).
 */
export async function replayDelivery(
  deps: { db: Kysely<Database>; temporal: Client; config: { temporal: { taskQueue: string } } },
  row: DeliveryRow,
  webhook: WebhookRow,
): Promise<void> {
  const started = await startDelivery(
    deps.temporal,
    deps.config.temporal.taskQueue,
    {
      teamId: row.team_id,
      eventId: row.event_id,
      webhookId: row.webhook_id,
      eventType: row.event_type,
      httpMethod: webhook.http_method,
      url: webhook.url,
    },
    true,
  );
  await markReplayed(deps.db, row.id, started.runId);
}
