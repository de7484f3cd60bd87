import { z } from 'zod';
import type { WebhookRow } from '../db/database.js';
import { recentSuccessRate } from '../delivery/endpoint-health.js';

/**
 * The `health` object of a webhook in `webhooks.get` and `webhooks.list`: the one definition of
 * its output shape (OpenAPI/REST generators read this schema; toWebhookHealth is checked against
 * it in test/unit/webhook-health.test.ts). Times are ISO-8601 UTC.
 */
export const webhookHealthSchema = z.object({
  /** Successful share of recent attempts, 0–1 (3 decimals), decayed with a 1 h half-life; null before the first attempt. */
  recentSuccessRate: z.number().min(0).max(1).nullable(),
  /** Failed attempts since the last success, across all of the webhook's deliveries. */
  consecutiveFailures: z.number().int().min(0),
  lastSuccessAt: z.iso.datetime().nullable(),
  lastFailureAt: z.iso.datetime().nullable(),
  /** Start of the current run of failures (the first failure with no success after it); null while healthy. */
  failingSince: z.iso.datetime().nullable(),
  /** When the webhook was disabled (auto-disable, 410 Gone or the API; the reason is `disabledReason`); null while active. */
  disabledSince: z.iso.datetime().nullable(),
});
export type WebhookHealth = z.infer<typeof webhookHealthSchema>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toWebhookHealth(w: WebhookRow): WebhookHealth {
  return {
    recentSuccessRate: recentSuccessRate(w.health_successes, w.health_failures),
    consecutiveFailures: w.consecutive_failures,
    lastSuccessAt: iso(w.last_success_at),
    lastFailureAt: iso(w.last_failure_at),
    failingSince: iso(w.failing_since),
    disabledSince: w.active ? null : iso(w.disabled_at),
  };
}
