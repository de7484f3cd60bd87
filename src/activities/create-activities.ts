import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AttemptDeps } from '../core/attempt/attempt-deps.js';
import { AttemptRuns } from '../core/attempt/attempt-runs.js';
import { runAttempt } from '../core/attempt/run-attempt.js';
import { cancelReasonOf } from '../core/delivery-reasons.js';
import { markCancelled } from '../core/delivery-status.js';
import { dispatchPage, type DispatchPageInput } from '../core/dispatch-page.js';
import { recoverPage, type RecoverPageInput } from '../core/recover-page.js';
import { startSubscriberPage } from '../core/start-subscriber-page.js';
import { recordDeliveryEnded } from '../observability/attempt-metrics.js';
import type { AttemptInput } from '../core/attempt/attempt-types.js';
import { withHeartbeat } from './with-heartbeat.js';
import { deliveryTurn, releaseNext } from '../core/ordering/delivery-turn.js';

export type ActivityDeps = AttemptDeps;

/** The run id of the delivery workflow calling this activity. */
function workflowRunId(): string {
  const runId = Context.current().info.workflowExecution?.runId;
  if (!runId) throw new Error('delivery activities run only inside a delivery workflow');
  return runId;
}

/**
 * The activities the workflows call, by these names and signatures (recorded histories name
 * them). Thin: each delegates to the delivery core. They close over their deps and the attempts
 * in progress (`runs`, one set per call); nothing here is module-level state.
 */
export function createActivities(deps: ActivityDeps, runs = new AttemptRuns()) {
  return {
    /** One page of matching webhooks, with their pending delivery rows written in one statement. */
    async findSubscribers(input: DispatchPageInput) {
      return dispatchPage(deps.db, input);
    },

    /** One page of matching webhooks: their pending rows written, their deliveries started (dispatchWorkflowV2). */
    async startSubscriberPage(input: DispatchPageInput) {
      const ctx = Context.current();
      return startSubscriberPage({ db: deps.db, temporal: ctx.client, taskQueue: deps.config.temporal.taskQueue }, input, () =>
        ctx.heartbeat(),
      );
    },

    /**
     * The workflow's run id makes its attempt records idempotent; it needs no workflow input. A
     * run of an attempt already in progress in this process joins it (attempt-runs.ts).
     */
    async attemptDelivery(input: AttemptInput) {
      const runId = workflowRunId();
      const ctx = Context.current();
      const key = { deliveryId: input.deliveryId, runId, attempt: input.attempt };
      if (runs.has(key))
        deps.log.info('attempt already in progress here: answering its outcome, not sending again', {
          deliveryId: input.deliveryId,
          attempt: input.attempt,
        });
      return runs.join(key, () => withHeartbeat(() => runAttempt(deps, input, runId, () => ctx.client)));
    },

    /** The workflows call it for `cancelled` only (delivery-workflow.ts finishCancelled). */
    async markDelivery(input: { deliveryId: string; status: string; reason: string | null }) {
      const runId = workflowRunId();
      if (input.status !== 'cancelled')
        throw ApplicationFailure.nonRetryable(`markDelivery: status must be cancelled (got ${input.status})`);
      await markCancelled(deps.db, input.deliveryId, runId, cancelReasonOf(input.reason));
      recordDeliveryEnded(deps.config, input.status);
    },

    /** Whether an ordered delivery may make its first attempt (core/ordering/delivery-turn.ts). */
    async awaitTurn(input: { deliveryId: string }) {
      return deliveryTurn(deps.db, input.deliveryId);
    },

    /** Signals the next delivery of an ordered sequence, with the activity's own Temporal client. */
    async releaseNext(input: { deliveryId: string }) {
      return releaseNext(deps.db, Context.current().client, input.deliveryId);
    },

    /** One page of a recovery (recover-workflow.ts), replayed with the activity's own Temporal client. */
    async recoverPage(input: RecoverPageInput) {
      const ctx = Context.current();
      return withHeartbeat(() => recoverPage({ db: deps.db, temporal: ctx.client, config: deps.config }, input));
    },
  };
}
