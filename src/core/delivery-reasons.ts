/**
 * Why a delivery ended as failed or cancelled: a code, stored in `deliveries.reason_code` and
 * matched on (deliveries.recover, webhooks.enable), and the human text shown as `reason` and
 * `lastError`, composed here only. Pure: the workflow bundle may import it.
 */
export const REASON_CODES = [
  'webhook_inactive',
  'webhook_deleted',
  'event_not_found',
  'event_erased',
  'retry_exhausted',
  'gone_410',
  'blocked_target',
  'data_error',
  'cancelled_by_operator',
  'cancelled_by_transformation',
  'workflow_closed',
  'workflow_missing',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  text: string;
}

export const reasons = {
  /** `detail`: the webhook's disabled_reason, or what deactivated it. */
  webhookInactive: (detail: string | null | undefined): Reason => ({
    code: 'webhook_inactive',
    text: `webhook inactive${detail ? `: ${detail}` : ''}`,
  }),
  webhookDeleted: (): Reason => ({ code: 'webhook_deleted', text: 'webhook deleted' }),
  eventNotFound: (): Reason => ({ code: 'event_not_found', text: 'event not found' }),
  eventErased: (): Reason => ({ code: 'event_erased', text: 'event payload erased' }),
  retryExhausted: (): Reason => ({ code: 'retry_exhausted', text: 'retry policy exhausted' }),
  gone410: (): Reason => ({ code: 'gone_410', text: 'receiver answered 410 Gone; webhook deactivated' }),
  blockedTarget: (): Reason => ({ code: 'blocked_target', text: 'target address is not allowed; not retried' }),
  dataError: (message: string): Reason => ({
    code: 'data_error',
    text: `data error: the request could not be built from the stored webhook or event (${message}); not retried`,
  }),
  cancelledByOperator: (text?: string | null): Reason => ({ code: 'cancelled_by_operator', text: text || 'cancelled by operator' }),
  /** `text`: how it closed (core/delivery-outcome.ts). */
  cancelledByTransformation: (version: number): Reason => ({
    code: 'cancelled_by_transformation',
    text: `cancelled by the webhook's transformation (version ${version})`,
  }),
  workflowClosed: (text: string | null): Reason => ({ code: 'workflow_closed', text: text ?? 'workflow closed in Temporal' }),
  workflowMissing: (): Reason => ({ code: 'workflow_missing', text: 'workflow not found in Temporal (deleted, or past retention)' }),
};

/**
 * The reason of a cancel signal. The signal carries text only (its signature is part of recorded
 * histories): Herald's own cancels send the texts composed above (webhook deactivated or
 * deleted, event payload erased), anything else is an operator's.
 */
export function cancelReasonOf(text: string | null | undefined): Reason {
  if (text === reasons.webhookDeleted().text) return reasons.webhookDeleted();
  if (text === reasons.eventErased().text) return reasons.eventErased();
  if (text === 'webhook inactive' || text?.startsWith('webhook inactive: ')) return { code: 'webhook_inactive', text };
  return reasons.cancelledByOperator(text);
}
