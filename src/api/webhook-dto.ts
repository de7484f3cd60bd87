import type { WebhookRow } from '../db/database.js';

/** The public shape of a webhook. The secret is never part of it (see webhooks.getSecret). */
export function toWebhookDto(w: WebhookRow) {
  return {
    id: w.id,
    teamId: w.team_id,
    projectId: w.project_id,
    name: w.name,
    description: w.description,
    url: w.url,
    httpMethod: w.http_method,
    headers: w.headers,
    eventTypes: w.event_types,
    active: w.active,
    rateLimitPerSecond: w.rate_limit_per_second,
    /** Null: the deployment default (HERALD_WEBHOOK_MAX_IN_FLIGHT). */
    maxInFlight: w.max_in_flight,
    retryPolicy: w.retry_policy,
    disabledReason: w.disabled_reason,
    createdAt: w.created_at.toISOString(),
    updatedAt: w.updated_at.toISOString(),
  };
}
export type WebhookDto = ReturnType<typeof toWebhookDto>;
