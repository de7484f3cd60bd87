import { describe, expect, it } from 'vitest';
import { isOverload, MAX_PENALTY_FACTOR, overloadPenaltyFactor, recentSuccessRate } from '../../src/delivery/endpoint-health.js';
import { nextAttemptDelayMs, type ScheduleInput } from '../../src/delivery/retry-schedule.js';
import type { RetryPolicy } from '../../src/delivery/types.js';

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const day: RetryPolicy = { kind: 'window', windowMinutes: 1440 };
const input = (over: Partial<ScheduleInput>): ScheduleInput => ({
  policy: day,
  attempt: 1,
  firstAttemptAtMs: T0,
  nowMs: T0,
  random: 0.5,
  timeScale: 1,
  ...over,
});

describe('recent success rate', () => {
  it.each([
    [0, 0, null],
    [3, 1, 0.75],
    [0, 2.5, 0],
    [1, 2, 0.333],
  ])('successes %d and failures %d give %s', (s, f, rate) => {
    expect(recentSuccessRate(s, f)).toBe(rate);
  });
});

describe('what counts as overload', () => {
  it.each([
    [429, undefined, true],
    [500, undefined, true],
    [503, undefined, true],
    [404, undefined, false],
    [400, undefined, false],
    [undefined, 'timeout', true],
    [undefined, 'connect', true],
    [undefined, 'reset', true],
    [undefined, 'dns', false],
    [undefined, 'tls', false],
  ] as const)('status %s / error %s → %s', (code, kind, expected) => {
    expect(isOverload(code, kind)).toBe(expected);
  });
});

describe('overload penalty factor', () => {
  const sick = (consecutiveFailures: number, successes = 0, failures = consecutiveFailures) => ({
    consecutiveFailures,
    successes,
    failures,
  });

  it('is 1 for a failure that is not overload, however sick the endpoint', () => {
    expect(overloadPenaltyFactor(sick(40), false)).toBe(1);
  });

  it('is 1 until the endpoint has failed 3 attempts in a row (this one included)', () => {
    expect(overloadPenaltyFactor(sick(0), true)).toBe(1);
    expect(overloadPenaltyFactor(sick(1), true)).toBe(1);
    expect(overloadPenaltyFactor(sick(2), true)).toBeGreaterThan(1);
  });

  it('grows with the streak and stops at the maximum', () => {
    const factors = [2, 3, 5, 9, 20, 1000].map((n) => overloadPenaltyFactor(sick(n), true));
    for (let i = 1; i < factors.length; i++) expect(factors[i]!).toBeGreaterThanOrEqual(factors[i - 1]!);
    expect(factors[0]).toBe(1.5);
    expect(factors.at(-1)).toBe(MAX_PENALTY_FACTOR);
  });

  it('is smaller for an endpoint that mostly succeeds recently than for one that mostly fails', () => {
    const mostlyFailing = overloadPenaltyFactor(sick(6, 1, 20), true);
    const mostlySucceeding = overloadPenaltyFactor(sick(6, 60, 6), true);
    expect(mostlySucceeding).toBeLessThan(mostlyFailing);
    expect(mostlySucceeding).toBeGreaterThanOrEqual(1);
  });

  it('depends on the endpoint, not on the delivery: a first attempt to a sick endpoint gets the full penalty', () => {
    expect(overloadPenaltyFactor(sick(50), true)).toBe(MAX_PENALTY_FACTOR);
  });
});

describe('the penalty in the retry schedule', () => {
  it('multiplies a window step (5 s → 40 s at the maximum)', () => {
    expect(nextAttemptDelayMs(input({ penaltyFactor: 1 }))).toBe(5_000);
    expect(nextAttemptDelayMs(input({ penaltyFactor: MAX_PENALTY_FACTOR }))).toBe(40_000);
  });

  it('is bounded: a factor above the maximum counts as the maximum, below 1 as 1', () => {
    expect(nextAttemptDelayMs(input({ penaltyFactor: 1000 }))).toBe(40_000);
    expect(nextAttemptDelayMs(input({ penaltyFactor: 0.1 }))).toBe(5_000);
  });

  it('never extends the window: a penalised wait past the deadline lands on it', () => {
    const policy: RetryPolicy = { kind: 'window', windowMinutes: 10 };
    // Attempt 4 (10 min step) at minute 3: ×8 would be 80 min; the window ends at minute 10.
    const nowMs = T0 + 3 * 60_000;
    expect(nextAttemptDelayMs(input({ policy, attempt: 4, nowMs, penaltyFactor: 8 }))).toBe(7 * 60_000);
  });

  it('leaves an attempts policy’s exact intervals alone', () => {
    const policy: RetryPolicy = { kind: 'attempts', maxAttempts: 3, intervalSeconds: 3, backoff: 'fixed' };
    expect(nextAttemptDelayMs(input({ policy, penaltyFactor: 8 }))).toBe(3_000);
  });

  it('follows the time scale like the step it multiplies', () => {
    expect(nextAttemptDelayMs(input({ penaltyFactor: 4, timeScale: 0.01 }))).toBe(200);
  });
});
