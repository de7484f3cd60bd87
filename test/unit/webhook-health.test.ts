import { describe, expect, it } from 'vitest';
import type { WebhookRow } from '../../src/db/database.js';
import { toWebhookHealth, webhookHealthSchema } from '../../src/api/webhook-health.js';

const base = {
  active: true,
  consecutive_failures: 0,
  last_success_at: null,
  last_failure_at: null,
  failing_since: null,
  health_successes: 0,
  health_failures: 0,
  disabled_at: null,
} as unknown as WebhookRow;

describe('webhook health output', () => {
  it('a webhook that never had an attempt has no rate and no times, and fits the schema', () => {
    const h = toWebhookHealth(base);
    expect(h).toEqual({
      recentSuccessRate: null,
      consecutiveFailures: 0,
      lastSuccessAt: null,
      lastFailureAt: null,
      failingSince: null,
      disabledSince: null,
    });
    expect(webhookHealthSchema.parse(h)).toEqual(h);
  });

  it('a disabled, failing webhook shows its rate, streak and times as ISO-8601, and fits the schema', () => {
    const at = new Date('2026-11-29T12:00:00.000Z');
    const row = {
      ...base,
      active: false,
      consecutive_failures: 7,
      last_failure_at: at,
      failing_since: new Date('2026-11-24T12:00:00.000Z'),
      last_success_at: new Date('2026-11-24T11:59:00.000Z'),
      health_successes: 1,
      health_failures: 3,
      disabled_at: at,
    } as WebhookRow;
    const h = toWebhookHealth(row);
    expect(h).toEqual({
      recentSuccessRate: 0.25,
      consecutiveFailures: 7,
      lastSuccessAt: '2026-11-24T11:59:00.000Z',
      lastFailureAt: '2026-11-29T12:00:00.000Z',
      failingSince: '2026-11-24T12:00:00.000Z',
      disabledSince: '2026-11-29T12:00:00.000Z',
    });
    expect(webhookHealthSchema.parse(h)).toEqual(h);
  });

  it('an active webhook shows no disabled-since, whatever an old disable left in the row', () => {
    expect(toWebhookHealth({ ...base, disabled_at: new Date() } as WebhookRow).disabledSince).toBeNull();
  });
});
