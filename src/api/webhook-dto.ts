import type { WebhookRow } from '../db/database.js';
import { toWebhookHealth } from './webhook-health.js';

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
    retryPolicy: w.retry_policy,
    disabledReason: w.disabled_reason,
    /** Endpoint health; shape: webhookHealthSchema (webhook-health.ts). */
    health: toWebhookHealth(w),
    createdAt: w.created_at.toISOString(),
    updatedAt: w.updated_at.toISOString(),
  };
}
export type WebhookDto = ReturnType<typeof toWebhookDto>;
