import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { DeliveryStatusKey, EventIdKey, EventTypeKey, TeamIdKey, WebhookIdKey } from '../temporal/search-attributes.js';
import { teamPriority } from '../temporal/team-priority.js';
import { type DeliveryInput, deliverySummary, deliveryWorkflowId, dispatchWorkflowId } from '../workflows/delivery-contract.js';
import type { deliveryWorkflowV2 } from '../workflows/delivery-workflow.js';
import type { DispatchInput, dispatchWorkflow } from '../workflows/dispatch-workflow.js';

/**
 * Starts the dispatch for an event. Resolves once Temporal has durably accepted it; from then
 * on delivery is guaranteed. A second start for the same event is a no-op.
 */
export async function startDispatch(client: Client, taskQueue: string, input: DispatchInput): Promise<void> {
  try {
    await client.workflow.start<typeof dispatchWorkflow>('dispatchWorkflow', {
      taskQueue,
      workflowId: dispatchWorkflowId(input.teamId, input.eventId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Inherited by every delivery it starts and by its activity.
      priority: teamPriority(input.teamId),
      staticSummary: `dispatch ${input.eventType} · ${input.eventId}`,
      typedSearchAttributes: [
        { key: TeamIdKey, value: input.teamId },
        { key: EventIdKey, value: input.eventId },
        { key: EventTypeKey, value: input.eventType },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Starts one delivery workflow directly (publish with a small fan-out, replay, test pings). With
 * `allowRerun`, a finished delivery gets a new run under the same id; the old run stays in
 * Temporal's history. With `eager`, the client must share a NativeConnection with a worker of
 * this task queue; the server may then hand the first task to that worker in its answer.
 */
export async function startDelivery(
  client: Client,
  taskQueue: string,
  input: DeliveryInput & { httpMethod: string; url: string },
  allowRerun: boolean,
  eager = false,
): Promise<{ workflowId: string; runId: string; eagerlyStarted: boolean }> {
  const workflowId = deliveryWorkflowId(input.eventId, input.webhookId);
  const args: DeliveryInput = { teamId: input.teamId, eventId: input.eventId, webhookId: input.webhookId, eventType: input.eventType };
  const handle = await client.workflow.start<typeof deliveryWorkflowV2>('deliveryWorkflowV2', {
    taskQueue,
    workflowId,
    args: [args],
    workflowIdReusePolicy: allowRerun ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
    requestEagerStart: eager,
    priority: teamPriority(input.teamId),
    // The URL may carry a token in its path or query; the summary is shown to anyone with UI access.
    staticSummary: deliverySummary(input.httpMethod, input.url, input.eventType),
    typedSearchAttributes: [
      { key: TeamIdKey, value: input.teamId },
      { key: WebhookIdKey, value: input.webhookId },
      { key: EventTypeKey, value: input.eventType },
      { key: EventIdKey, value: input.eventId },
      { key: DeliveryStatusKey, value: 'pending' },
    ],
  });
  return { workflowId, runId: handle.firstExecutionRunId, eagerlyStarted: handle.eagerlyStarted };
}
