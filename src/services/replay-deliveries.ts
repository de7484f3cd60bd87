import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { DeliveryRow } from '../db/database.js';
import { replayDelivery } from '../core/replay-delivery.js';
import { isPayloadErased } from '../repositories/events-repo.js';
import { findWebhook } from '../repositories/webhooks-repo.js';
import type { ServiceContext } from './service-deps.js';
import { conflict, notFound } from './errors.js';

/** Whether the delivery's workflow runs now (a missing one does not). */
export async function isRunning(ctx: ServiceContext, id: string): Promise<boolean> {
  try {
    const d = await ctx.deps.temporal.workflow.getHandle(id).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Starts a new run of a finished delivery under the same id. The row is reset only once the new
 * run is durably started: a start that fails leaves the row as it was. Two replays racing past
 * the running check: the second start is refused by Temporal, answered as CONFLICT. A delivery
 * of an event whose payload was erased is refused as CONFLICT too: there is nothing to resend.
 */
export async function replay(ctx: ServiceContext, row: DeliveryRow): Promise<void> {
  const running = () => conflict(`delivery ${row.id} is still running; cancel it or use retryNow`);
  if (await isPayloadErased(ctx.deps.db, ctx.team.id, row.event_id))
    throw conflict(`delivery ${row.id} cannot be replayed: the payload of event ${row.event_id} was erased`);
  if (await isRunning(ctx, row.id)) throw running();
  const webhook = await findWebhook(ctx.deps.db, ctx.team.id, row.webhook_id);
  if (!webhook) throw notFound('webhook', row.webhook_id);
  await replayDelivery(ctx.deps, row, webhook).catch((err: unknown) => {
    throw err instanceof WorkflowExecutionAlreadyStartedError ? running() : err;
  });
}
