import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AttemptRecord, DeliveryStatus } from '../delivery/types.js';
import { redactUrl } from '../security/redact-url.js';

/** Input of one delivery: ids only. Secrets, URL and payload are loaded by the activity. */
export interface DeliveryInput {
  teamId: string;
  eventId: string;
  webhookId: string;
  eventType: string;
}

/** Input of one event's dispatch (dispatch-workflow.ts). */
export interface DispatchInput {
  teamId: string;
  eventId: string;
  eventType: string;
  projectId: string | null;
  /** Last webhook id already fanned out to (continue-as-new cursor). */
  afterWebhookId?: string | null;
  /** dispatchWorkflowV2: webhooks per page (default DISPATCH_PAGE_SIZE) and pages per run before continue-as-new (default DISPATCH_PAGES_PER_RUN). */
  pageSize?: number;
  pagesPerRun?: number;
}

export interface DeliveryState {
  status: DeliveryStatus;
  /** Why the delivery ended as failed or cancelled. */
  reason: string | null;
  attempts: AttemptRecord[];
  nextAttemptAt: string | null;
}

export const cancelSignal = defineSignal<[reason?: string]>('cancel');
export const retryNowSignal = defineSignal('retryNow');
/** To an ordered delivery waiting for its turn: the one before it may have ended (orderedDeliveryWorkflow checks). */
export const releaseSignal = defineSignal('release');
export const stateQuery = defineQuery<DeliveryState>('state');

/** `delivery:<eventId>:<webhookId>`: one delivery per event and webhook, found by id alone. */
export function deliveryWorkflowId(eventId: string, webhookId: string): string {
  return `delivery:${eventId}:${webhookId}`;
}

export function dispatchWorkflowId(teamId: string, eventId: string): string {
  return `dispatch:${teamId}:${eventId}`;
}

/** The line shown in the Temporal UI: `POST https://… · video.media.ready`. */
export function deliverySummary(method: string, url: string, eventType: string): string {
  // Redacted: credentials, query, fragment and token-like path segments never reach the UI.
  const safe = redactUrl(url);
  const shortUrl = safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
  return `${method} ${shortUrl} · ${eventType}`;
}
