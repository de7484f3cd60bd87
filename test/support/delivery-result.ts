import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DeliveryState } from '../../src/workflows/delivery-contract.js';
import { DELIVERY_FAILED } from '../../src/workflows/delivery-workflow.js';

/**
 * A finished delivery's state, whichever way it closed: a Completed workflow's result, or the
 * details of the DeliveryFailed failure a Failed one carries (deliveryWorkflowV2).
 */
export async function deliveryResult(temporal: Client, id: string, runId?: string): Promise<DeliveryState> {
  try {
    return (await temporal.workflow.getHandle(id, runId).result()) as DeliveryState;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === DELIVERY_FAILED) return cause.details?.[0] as DeliveryState;
    throw err;
  }
}
