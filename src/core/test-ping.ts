import type { WebhookRow } from '../db/database.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { insertPendingDeliveries } from './delivery-status.js';
import { type FanOutDeps, fanOut } from './fan-out.js';
import { TEST_EVENT_TYPE } from './row-targets.js';

/**
 * A `webhook.test` ping to one webhook: its event and its one pending row, then the fan-out
 * corridor to that webhook alone. The event is marked dispatched only once its workflow is
 * durably started; if the start fails, the caller gets the error and the undispatched-event
 * sweep sends the ping later (to this webhook only: row-targets.ts).
 */
export async function sendTestPing(
  deps: Omit<FanOutDeps, 'marker' | 'eagerStart'>,
  webhook: WebhookRow,
  eventId: string,
): Promise<{ deliveryId: string; eventId: string }> {
  const { db } = deps;
  const event = { team_id: webhook.team_id, id: eventId, type: TEST_EVENT_TYPE, project_id: webhook.project_id };
  await db
    .insertInto('events')
    .values({
      ...event,
      data_raw: JSON.stringify({ message: 'Test delivery from Herald', webhookId: webhook.id }),
      created_at: new Date(),
      dispatched_at: null,
    })
    .execute();
  const deliveryId = deliveryWorkflowId(eventId, webhook.id);
  await insertPendingDeliveries(db, [
    { id: deliveryId, teamId: webhook.team_id, eventId, webhookId: webhook.id, eventType: TEST_EVENT_TYPE },
  ]);
  await fanOut({ db, temporal: deps.temporal, config: deps.config }, event, { kind: 'direct', targets: [webhook] });
  return { deliveryId, eventId };
}
