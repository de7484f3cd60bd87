// Workflow bundle entry of the floor (bench/floor/floor-server.ts bundles this file).
import { proxyLocalActivities } from '@temporalio/workflow';
import type { FloorActivities, FloorDelivery } from './floor-activities.js';

// The options of Herald's attempt (src/workflows/delivery-workflow.ts): same timeout and retry.
const { postEvent } = proxyLocalActivities<FloorActivities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** The bare workflow per delivery: one local activity that POSTs the event, then done. */
export async function floorDeliveryWorkflow(d: FloorDelivery): Promise<void> {
  await postEvent(d);
}
