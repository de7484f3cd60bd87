// Workflow bundle entry: the worker bundles this file and everything it imports.
export { deliveryWorkflow, deliveryWorkflowV2 } from './delivery-workflow.js';
export { dispatchWorkflow } from './dispatch-workflow.js';
export { dispatchWorkflowV2 } from './dispatch-workflow-v2.js';
export { orderedDeliveryWorkflow } from './ordered-delivery-workflow.js';
export { recoverWorkflow } from './recover-workflow.js';
