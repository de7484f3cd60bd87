import { continueAsNew, ParentClosePolicy, patched, proxyActivities, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities/create-activities.js';
import { deliveryStartSpec } from './delivery-start-spec.js';
import type { DispatchInput } from './delivery-contract.js';
import { deliveryWorkflow, deliveryWorkflowV2 } from './delivery-workflow.js';

/** Patch: children are started as deliveryWorkflowV2 (docs/workflow-versioning.md). */
export const DELIVERY_V2_PATCH = 'children-delivery-workflow-v2';

type Activities = ReturnType<typeof createActivities>;

// One indexed query and one batch insert: seconds at most. A short timeout means a dead
// worker's fan-out is picked up again quickly.
const { findSubscribers } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Webhooks per batch; each batch is followed by continue-as-new so history stays small. */
export const DISPATCH_BATCH_SIZE = 200;

export type { DispatchInput };

/**
 * Fans one event out to every matching active webhook: one delivery workflow each, started as
 * an abandoned child so it outlives this workflow. Re-running is harmless: delivery ids are
 * deterministic and a duplicate start is skipped.
 */
export async function dispatchWorkflow(input: DispatchInput): Promise<{ started: number }> {
  const batch = await findSubscribers({ ...input, afterWebhookId: input.afterWebhookId ?? null, limit: DISPATCH_BATCH_SIZE });
  let started = 0;
  const delivery = patched(DELIVERY_V2_PATCH) ? deliveryWorkflowV2 : deliveryWorkflow;
  await Promise.all(
    batch.map(async (s) => {
      try {
        // The client's start spec (workflows/delivery-start-spec.ts), as an abandoned child.
        await startChild(delivery, {
          ...deliveryStartSpec({
            teamId: input.teamId,
            eventId: input.eventId,
            webhookId: s.webhookId,
            eventType: input.eventType,
            httpMethod: s.httpMethod,
            url: s.url,
          }),
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        started++;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }),
  );
  if (batch.length === DISPATCH_BATCH_SIZE) {
    await continueAsNew<typeof dispatchWorkflow>({ ...input, afterWebhookId: batch[batch.length - 1]!.webhookId });
  }
  return { started };
}
