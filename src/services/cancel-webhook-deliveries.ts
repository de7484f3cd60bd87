import { WorkflowNotFoundError } from '@temporalio/client';
import { cancelSignal } from '../workflows/delivery-contract.js';
import type { ServiceDeps } from './service-deps.js';

/** Signals sent at once; a webhook may have thousands of parked deliveries. */
const SIGNAL_CONCURRENCY = 20;

/**
 * Signals `cancel` to every running delivery of a webhook (its rows in `pending` or `retrying`),
 * so each ends as `cancelled` with `reason` now, instead of at its next attempt (up to an hour
 * away under the default policy). A delivery whose workflow has already finished, or not started
 * yet, is skipped: its first attempt finds the webhook inactive or gone and stops. Temporal being
 * unreachable throws (the caller answers 503 and may retry the call); the reconcile sweep also
 * cancels running deliveries of inactive or deleted webhooks. Returns how many were signalled.
 */
export async function cancelWebhookDeliveries(
  deps: Pick<ServiceDeps, 'db' | 'temporal'>,
  teamId: string,
  webhookId: string,
  reason: string,
): Promise<number> {
  const rows = await deps.db
    .selectFrom('deliveries')
    .select('id')
    .where('team_id', '=', teamId)
    .where('webhook_id', '=', webhookId)
    .where('status', 'in', ['pending', 'retrying'])
    .execute();
  return signalCancel(deps, rows, reason);
}

/** Signals `cancel` with `reason` to each delivery's workflow, SIGNAL_CONCURRENCY at once; a missing workflow is skipped. Returns how many were signalled. */
export async function signalCancel(deps: Pick<ServiceDeps, 'temporal'>, rows: { id: string }[], reason: string): Promise<number> {
  let signalled = 0;
  for (let i = 0; i < rows.length; i += SIGNAL_CONCURRENCY) {
    await Promise.all(
      rows.slice(i, i + SIGNAL_CONCURRENCY).map(async ({ id }) => {
        try {
          await deps.temporal.workflow.getHandle(id).signal(cancelSignal, reason);
          signalled++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }),
    );
  }
  return signalled;
}
