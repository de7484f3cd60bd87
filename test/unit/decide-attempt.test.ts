import { describe, expect, it } from 'vitest';
import { classify } from '../../src/core/attempt/classify.js';
import { type DecideInput, decide } from '../../src/core/attempt/decide.js';
import type { RetryPolicy, SendResult } from '../../src/delivery/types.js';

const START = Date.parse('2026-12-01T10:00:00.000Z');
const result = (r: Partial<SendResult>): SendResult => ({
  startedAt: new Date(START).toISOString(),
  durationMs: 100,
  responseHeaders: {},
  responseBody: '',
  responseBodyTruncated: false,
  ...r,
});
const threeTries: RetryPolicy = { kind: 'attempts', maxAttempts: 3, intervalSeconds: 10, backoff: 'fixed' };
const healthy = { consecutiveFailures: 0, successes: 10, failures: 0 };

function input(r: Partial<SendResult>, over: Partial<DecideInput> = {}): DecideInput {
  return {
    classification: classify(result(r), START + 100),
    policy: threeTries,
    attempt: 1,
    health: healthy,
    eventType: 'video.ready',
    random: 0.5,
    timeScale: 1,
    ...over,
  };
}

describe('decide: what an attempt means for its delivery', () => {
  it('a 2xx succeeds, with no effects', () => {
    expect(decide(input({ statusCode: 204 }))).toEqual({
      status: 'succeeded',
      reason: null,
      nextAttemptAtMs: null,
      deactivate: null,
      reportExhausted: false,
    });
  });

  it('a 500 with attempts left retries after the policy interval, counted from the end of the attempt', () => {
    expect(decide(input({ statusCode: 500 }))).toMatchObject({
      status: 'retrying',
      reason: null,
      nextAttemptAtMs: START + 100 + 10_000,
      reportExhausted: false,
    });
  });

  it('a 500 on the last attempt fails as retry_exhausted and reports delivery.exhausted', () => {
    expect(decide(input({ statusCode: 500 }, { attempt: 3, firstAttemptAtMs: START - 20_000 }))).toMatchObject({
      status: 'failed',
      reason: { code: 'retry_exhausted', text: 'retry policy exhausted' },
      nextAttemptAtMs: null,
      reportExhausted: true,
    });
  });

  it('an exhausted operational event or ping reports nothing (no loops)', () => {
    for (const eventType of ['delivery.exhausted', 'webhook.disabled', 'webhook.test']) {
      expect(decide(input({ statusCode: 500 }, { attempt: 3, eventType })).reportExhausted).toBe(false);
    }
  });

  it('a 410 fails at once and deactivates the webhook, naming when', () => {
    expect(decide(input({ statusCode: 410 }))).toEqual({
      status: 'failed',
      reason: { code: 'gone_410', text: 'receiver answered 410 Gone; webhook deactivated' },
      nextAttemptAtMs: null,
      deactivate: 'receiver answered 410 Gone at 2026-12-01T10:00:00.100Z',
      reportExhausted: false,
    });
  });

  it('a blocked target and a data error fail at once, never retried', () => {
    expect(decide(input({ error: { kind: 'blocked', message: 'private address' } }))).toMatchObject({
      status: 'failed',
      reason: { code: 'blocked_target' },
    });
    expect(decide(input({ error: { kind: 'invalid', message: 'bad secret' } }))).toMatchObject({
      status: 'failed',
      reason: {
        code: 'data_error',
        text: 'data error: the request could not be built from the stored webhook or event (bad secret); not retried',
      },
    });
  });

  it("an overloaded endpoint's window-policy wait grows with its run of failures", () => {
    const window: RetryPolicy = { kind: 'window', windowMinutes: 1440 };
    const calm = decide(input({ statusCode: 503 }, { policy: window }));
    const struggling = decide(
      input({ statusCode: 503 }, { policy: window, health: { consecutiveFailures: 10, successes: 0, failures: 10 } }),
    );
    expect(struggling.nextAttemptAtMs! - START).toBeGreaterThan(calm.nextAttemptAtMs! - START);
  });
});
