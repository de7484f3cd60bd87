import { WorkflowIdReusePolicy } from '@temporalio/common';
import { DeliveryStatusKey, EventIdKey, EventTypeKey, TeamIdKey, WebhookIdKey } from '../temporal/search-attributes.js';
import { type DeliveryInput, type DispatchInput, deliverySummary, deliveryWorkflowId, dispatchWorkflowId } from './delivery-contract.js';

/**
 * The start spec of every delivery workflow, whoever starts it: the client (publish, dispatch of
 * a small fan-out, pings, operational events, replay) and the dispatch workflow (its children).
 * Pure and free of node-only imports: the workflow bundle imports it. Its output is part of the
 * dispatch workflow's recorded commands (child options), so a change here must keep recorded
 * histories replaying (test/unit/workflow-replay.test.ts).
 */

/** One delivery: the event and webhook ids, and the two webhook fields shown in the UI summary. */
export interface DeliveryTarget extends DeliveryInput {
  httpMethod: string;
  url: string;
  /** A fifo webhook's delivery (started by the client only): its ordering key ('' none) and number, shown in the summary. */
  order?: { key: string; sequence: number };
}

export function deliveryStartSpec(t: DeliveryTarget) {
  const args: [DeliveryInput] = [{ teamId: t.teamId, eventId: t.eventId, webhookId: t.webhookId, eventType: t.eventType }];
  return {
    workflowId: deliveryWorkflowId(t.eventId, t.webhookId),
    args,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // The URL may carry a token in its path or query; the summary is shown to anyone with UI access.
    staticSummary: t.order
      ? `${deliverySummary(t.httpMethod, t.url, t.eventType)} · fifo ${orderLabel(t.order.key)} #${t.order.sequence}`
      : deliverySummary(t.httpMethod, t.url, t.eventType),
    typedSearchAttributes: [
      { key: TeamIdKey, value: t.teamId },
      { key: WebhookIdKey, value: t.webhookId },
      { key: EventTypeKey, value: t.eventType },
      { key: EventIdKey, value: t.eventId },
      { key: DeliveryStatusKey, value: 'pending' },
    ],
  };
}

/** The dispatch workflow of a large fan-out (started by the client only). */
export function dispatchStartSpec(input: DispatchInput) {
  const args: [DispatchInput] = [input];
  return {
    workflowId: dispatchWorkflowId(input.teamId, input.eventId),
    args,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: `dispatch ${input.eventType} · ${input.eventId}`,
    typedSearchAttributes: [
      { key: TeamIdKey, value: input.teamId },
      { key: EventIdKey, value: input.eventId },
      { key: EventTypeKey, value: input.eventType },
    ],
  };
}

/** An ordering key as the UI shows it: `(default)` for none, else at most 40 characters. */
function orderLabel(key: string): string {
  if (key === '') return '(default)';
  return key.length > 40 ? `${key.slice(0, 39)}…` : key;
}
