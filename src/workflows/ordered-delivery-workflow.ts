import { CancellationScope, condition, proxyLocalActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/create-activities.js';
import { type DeliveryInput, type DeliveryState, releaseSignal } from './delivery-contract.js';
import { runDelivery } from './delivery-workflow.js';

type Activities = ReturnType<typeof createActivities>;

// Both read or signal one row's neighbours; PostgreSQL being down is retried without end, as
// the attempt's activities are (an accepted event must never be dropped or skipped).
const { awaitTurn, releaseNext } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** A waiting delivery checks its turn again after this even with no `release` signal: 30 s, doubling, at most 10 min. */
export const recheckAfterMs = (checks: number) => Math.min(30_000 * 2 ** checks, 600_000);

/**
 * A fifo webhook's delivery (docs/ordered-delivery.md): a deliveryWorkflowV2 that first waits
 * for its turn. Publish numbers the deliveries of each (webhook, ordering key) 1, 2, 3 …; this one
 * waits until the one before it has ended (or, with the webhook's `blockOnFailure: false`, made
 * its first attempt), then runs as any delivery does, and when it closes, however it closes,
 * signals `release` to the one after it. The wait is a durable condition, woken by that signal
 * and checked again on a backing-off timer (recheckAfterMs) in case a predecessor closed without
 * signalling (terminated in the UI, say), so a waiting delivery's history grows by a few events
 * per check, not per event queued. `cancel` while waiting ends it cancelled, which releases the
 * next. The Temporal UI's current details name the delivery it waits for and the queue behind it.
 */
export async function orderedDeliveryWorkflow(input: DeliveryInput): Promise<DeliveryState> {
  const deliveryId = workflowInfo().workflowId;
  let released = false;
  let ordered = false;
  let blockOnFailure = true;
  setHandler(releaseSignal, () => {
    released = true;
  });
  const release = () => CancellationScope.nonCancellable(() => releaseNext({ deliveryId }));
  try {
    return await runDelivery(input, true, {
      async waitTurn(cancelled) {
        for (let checks = 0; ; checks++) {
          released = false;
          const turn = await awaitTurn({ deliveryId });
          ordered = turn.ordered;
          if (turn.ordered) blockOnFailure = turn.blockOnFailure;
          if (turn.go) {
            if (checks > 0) setCurrentDetails('');
            return;
          }
          setCurrentDetails(
            `Waiting for ${turn.waitingFor} (#${turn.sequence - 1} of ordering key ${turn.orderingKey === '' ? '(default)' : JSON.stringify(turn.orderingKey)}); ${turn.queuedBehind} queued behind this one.`,
          );
          await condition(() => released || cancelled(), recheckAfterMs(checks));
          if (cancelled()) return;
        }
      },
      async afterFirstAttempt() {
        if (ordered && !blockOnFailure) await release();
      },
    });
  } finally {
    if (ordered) await release();
  }
}
