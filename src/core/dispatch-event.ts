import type { EventRow } from '../db/database.js';
import { findMatchingWebhookIds } from '../repositories/webhooks-repo.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { cancelTargetGone, insertPendingDeliveries } from './delivery-status.js';
import { DIRECT_FANOUT_MAX, type FanOutDeps, fanOut, planFor } from './fan-out.js';
import { fifoTargets, rowTargets } from './row-targets.js';

/**
 * Hands an accepted event to Temporal through the fan-out corridor, when its first dispatch did
 * not finish (the undispatched sweep, a re-published id). Pings and operational events go to the
 * webhooks of their rows (a row whose webhook is gone is cancelled); any other event to its
 * matching subscribers, whose pending rows are written first for a direct fan-out, and to the
 * fifo webhooks whose numbered rows publish wrote with it.
 * (The first publish of an event takes the one-statement path in events-router instead.)
 */
export async function dispatchEvent(deps: Omit<FanOutDeps, 'marker'>, event: EventRow): Promise<void> {
  const { db } = deps;
  const byRows = await rowTargets(db, event);
  if (byRows) {
    if (byRows.gone.length) await cancelTargetGone(db, byRows.gone);
    return fanOut(deps, event, { kind: 'direct', targets: byRows.targets });
  }
  const hooks = await findMatchingWebhookIds(db, event.team_id, event.id, event.type, event.project_id, null, DIRECT_FANOUT_MAX + 1);
  const plan = planFor(hooks, await fifoTargets(db, event));
  if (plan.kind === 'direct') {
    await insertPendingDeliveries(
      db,
      plan.targets.map((h) => ({
        id: deliveryWorkflowId(event.id, h.id),
        teamId: event.team_id,
        eventId: event.id,
        webhookId: h.id,
        eventType: event.type,
      })),
    );
  }
  await fanOut(deps, event, plan);
}
