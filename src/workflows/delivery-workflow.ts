import {
  ApplicationFailure,
  condition,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/create-activities.js';
import type { DeliveryStatus } from '../delivery/types.js';
import { AttemptCountKey, DeliveryStatusKey } from '../temporal/search-attributes.js';
import { cancelSignal, type DeliveryInput, type DeliveryState, retryNowSignal, stateQuery } from './delivery-contract.js';

type Activities = ReturnType<typeof createActivities>;

/** The failure type of a delivery that ended as failed (its details: the DeliveryState). */
export const DELIVERY_FAILED = 'DeliveryFailed';

// Attempts run as local activities: the first attempt runs inside the workflow's first task,
// so a delivery that succeeds at once costs one workflow task and ~7 history events instead of
// three tasks and ~12 (bench/results; README "Performance"). A worker that dies mid-attempt is
// noticed by the workflow-task timeout (10 s) and the attempt runs again elsewhere.
// Receiver failures come back as results; only infrastructure errors (Postgres down) throw, and
// those are retried without end: an accepted event must never be dropped. An attempt takes at
// most the delivery timeout (HERALD_DELIVERY_TIMEOUT_MS, ≤ 120 s) plus a ≤ 2 s rate-limit wait.
const { attemptDelivery, markDelivery } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One event to one webhook, retried by the webhook's own policy. The full attempt history
 * lives in workflow state (query `state`). A delivery that succeeds completes with that state as
 * its result; one that fails closes Failed, its DeliveryFailed failure carrying the state; so the
 * Temporal UI shows failures in red and neither needs a last search-attribute upsert (one
 * command and one visibility write fewer per delivery than deliveryWorkflow). Cancelled ones
 * complete with the state and DeliveryStatus=cancelled. Every delivery started now is this type.
 */
export async function deliveryWorkflowV2(input: DeliveryInput): Promise<DeliveryState> {
  return runDelivery(input, true);
}

/**
 * The type of deliveries started before deliveryWorkflowV2: every terminal status is an upsert and
 * the workflow completes with the state. Kept, and never changed, while such deliveries can be
 * parked or queried (docs/workflow-versioning.md). A new type instead of a patch() because
 * patch() costs a marker and a TemporalChangeVersion upsert on every delivery.
 */
export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryState> {
  return runDelivery(input, false);
}

/** What orderedDeliveryWorkflow adds to a delivery: its turn before the first attempt, and a hook after it. */
export interface DeliveryOrder {
  /** Resolves when the first attempt may be made, or as soon as `cancelled()` is true. */
  waitTurn(cancelled: () => boolean): Promise<void>;
  /** Runs once the first attempt is recorded (whatever its outcome), before anything else. */
  afterFirstAttempt(): Promise<void>;
}

/**
 * `closeStatus`: V2's terminal states (see deliveryWorkflowV2); false replays the first type.
 * `order`: orderedDeliveryWorkflow's; without it the commands are exactly those recorded before it existed.
 */
export async function runDelivery(input: DeliveryInput, closeStatus: boolean, order?: DeliveryOrder): Promise<DeliveryState> {
  const deliveryId = workflowInfo().workflowId;
  const state: DeliveryState = { status: 'pending', reason: null, attempts: [], nextAttemptAt: null };
  let cancelRequested: string | undefined;
  let retryNow = false;
  setHandler(stateQuery, () => state);
  setHandler(cancelSignal, (reason) => {
    cancelRequested = reason || 'cancelled by operator';
  });
  setHandler(retryNowSignal, () => {
    retryNow = true;
  });

  const setStatus = (status: DeliveryStatus) => {
    state.status = status;
    upsertSearchAttributes([
      { key: DeliveryStatusKey, value: status },
      { key: AttemptCountKey, value: state.attempts.length },
    ]);
  };
  /** Waits until `atMs` (workflow time) unless cancelled or told to retry now. */
  const waitUntil = async (atMs: number, honourRetryNow: boolean) => {
    const ms = atMs - Date.now();
    if (ms > 0) await condition(() => cancelRequested !== undefined || (honourRetryNow && retryNow), ms);
  };
  const finishCancelled = async (reason: string) => {
    state.reason = reason;
    state.nextAttemptAt = null;
    setStatus('cancelled');
    await markDelivery({ deliveryId, status: 'cancelled', reason });
    return state;
  };

  if (order) await order.waitTurn(() => cancelRequested !== undefined);
  let firstAttemptAtMs: number | undefined;
  let reservedSlotAtMs: number | undefined;
  for (;;) {
    if (cancelRequested) return finishCancelled(cancelRequested);
    const outcome = await attemptDelivery({
      deliveryId,
      teamId: input.teamId,
      eventId: input.eventId,
      webhookId: input.webhookId,
      attempt: state.attempts.length + 1,
      firstAttemptAtMs,
      reservedSlotAtMs,
    });
    reservedSlotAtMs = undefined;
    if (outcome.kind === 'throttled') {
      // The slot stays reserved for us; wait for it without holding a connection or an attempt.
      reservedSlotAtMs = outcome.slotAtMs;
      state.status = state.attempts.length ? 'retrying' : 'pending';
      await waitUntil(outcome.wakeAtMs, false);
      continue;
    }
    if (outcome.kind === 'stopped') return finishCancelled(outcome.reason);

    firstAttemptAtMs ??= outcome.attemptedAtMs;
    state.attempts.push(outcome.record);
    state.nextAttemptAt = outcome.record.nextAttemptAt;
    state.reason = outcome.reason;
    if (order && state.attempts.length === 1) await order.afterFirstAttempt();
    if (outcome.status !== 'retrying' && closeStatus) {
      state.status = outcome.status;
      if (outcome.status === 'failed') {
        throw ApplicationFailure.create({
          type: DELIVERY_FAILED,
          message: state.reason ?? 'delivery failed',
          nonRetryable: true,
          details: [state],
        });
      }
      return state;
    }
    setStatus(outcome.status);
    if (outcome.status !== 'retrying') return state;

    retryNow = false;
    await waitUntil(Date.parse(outcome.record.nextAttemptAt!), true);
  }
}
