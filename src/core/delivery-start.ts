import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { teamPriority } from '../temporal/team-priority.js';
import type { DispatchInput } from '../workflows/delivery-contract.js';
import { type DeliveryTarget, deliveryStartSpec, dispatchStartSpec } from '../workflows/delivery-start-spec.js';

/**
 * Starts the dispatch for an event. Resolves once Temporal has durably accepted it; from then
 * on delivery is guaranteed. A second start for the same event is a no-op.
 */
export async function startDispatch(client: Client, taskQueue: string, input: DispatchInput): Promise<void> {
  try {
    // By name: the workflow modules are the bundle's, not imported here (their args are the spec's).
    // Every dispatch started now pages with its activity starting the deliveries (dispatch-workflow-v2.ts).
    await client.workflow.start('dispatchWorkflowV2', {
      ...dispatchStartSpec(input),
      taskQueue,
      // Inherited by every delivery it starts and by its activity.
      priority: teamPriority(input.teamId),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Starts one delivery workflow from the client (deliveryStartSpec, plus the task queue and the
 * team's fairness key). With `allowRerun`, a finished delivery gets a new run under the same id;
 * the old run stays in Temporal's history. With `eager`, the client must share a
 * NativeConnection with a worker of this task queue; the server may then hand the first task to
 * that worker in its answer.
 */
export async function startDelivery(
  client: Client,
  taskQueue: string,
  target: DeliveryTarget,
  allowRerun: boolean,
  eager = false,
): Promise<{ workflowId: string; runId: string; eagerlyStarted: boolean }> {
  const spec = deliveryStartSpec(target);
  // A fifo webhook's deliveries wait their turn (ordered-delivery-workflow.ts); every other is V2.
  const handle = await client.workflow.start(target.order ? 'orderedDeliveryWorkflow' : 'deliveryWorkflowV2', {
    ...spec,
    taskQueue,
    workflowIdReusePolicy: allowRerun ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : spec.workflowIdReusePolicy,
    requestEagerStart: eager,
    priority: teamPriority(target.teamId),
  });
  return { workflowId: spec.workflowId, runId: handle.firstExecutionRunId, eagerlyStarted: handle.eagerlyStarted };
}
