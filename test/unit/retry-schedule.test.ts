import { describe, expect, it } from 'vitest';
import { maxAttemptsOf, nextAttemptDelayMs, type ScheduleInput, WINDOW_BACKOFF_MS } from '../../src/delivery/retry-schedule.js';
import type { RetryPolicy } from '../../src/delivery/types.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const apiVideo: RetryPolicy = { kind: 'attempts', maxAttempts: 3, intervalSeconds: 3, backoff: 'fixed' };
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

describe('attempts policy', () => {
  it.each([
    [1, 3000],
    [2, 3000],
    [3, null],
  ])('api.video’s 3 attempts 3 s apart: after attempt %i wait %s ms', (attempt, expected) => {
    expect(nextAttemptDelayMs(input({ policy: apiVideo, attempt }))).toBe(expected);
  });

  it.each([
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [10, 5_120_000],
    [20, 86_400_000],
  ])('exponential backoff doubles from the interval, capped at 24 h (attempt %i → %i ms)', (attempt, expected) => {
    const policy: RetryPolicy = { kind: 'attempts', maxAttempts: 50, intervalSeconds: 10, backoff: 'exponential' };
    expect(nextAttemptDelayMs(input({ policy, attempt }))).toBe(expected);
  });

  it('ignores jitter and the time scale: the interval is the user’s own', () => {
    expect(nextAttemptDelayMs(input({ policy: apiVideo, random: 0.99, timeScale: 0.01 }))).toBe(3000);
  });

  it.each([
    [60_000, 60_000],
    [1_000, 3_000],
    [3 * 86_400_000, 86_400_000],
  ])('Retry-After %i ms lengthens the wait to %i ms but never shortens it', (retryAfterMs, expected) => {
    expect(nextAttemptDelayMs(input({ policy: apiVideo, retryAfterMs }))).toBe(expected);
  });

  it('Retry-After never grants an attempt beyond maxAttempts', () => {
    expect(nextAttemptDelayMs(input({ policy: apiVideo, attempt: 3, retryAfterMs: 1000 }))).toBeNull();
  });
});

describe('window policy', () => {
  it.each(
    WINDOW_BACKOFF_MS.map((ms, i) => [i + 1, ms] as const).concat([
      [7, 3_600_000],
      [20, 3_600_000],
    ]),
  )('after attempt %i the base wait is %i ms (5 s, 30 s, 2 m, 10 m, 30 m, 1 h, then hourly)', (attempt, base) => {
    const now = T0 + 60_000; // well inside the window
    expect(nextAttemptDelayMs(input({ attempt, nowMs: now, random: 0.5 }))).toBe(base);
    expect(nextAttemptDelayMs(input({ attempt, nowMs: now, random: 0 }))).toBe(Math.round(base * 0.8));
    expect(nextAttemptDelayMs(input({ attempt, nowMs: now, random: 0.999999 }))).toBe(Math.round(base * 1.199_999_6));
  });

  it('a window of 0 minutes means exactly one attempt', () => {
    expect(nextAttemptDelayMs(input({ policy: { kind: 'window', windowMinutes: 0 } }))).toBeNull();
  });

  it('the last attempt lands exactly at the window’s end, and none after it', () => {
    const policy: RetryPolicy = { kind: 'window', windowMinutes: 60 };
    const deadline = T0 + 3_600_000;
    const now = deadline - 10 * 60_000; // next step would be 30 m: overshoots
    expect(nextAttemptDelayMs(input({ policy, attempt: 5, nowMs: now }))).toBe(10 * 60_000);
    expect(nextAttemptDelayMs(input({ policy, attempt: 6, nowMs: deadline }))).toBeNull();
    expect(nextAttemptDelayMs(input({ policy, attempt: 6, nowMs: deadline + 5 }))).toBeNull();
  });

  it('the time scale shrinks delays and the window alike', () => {
    const policy: RetryPolicy = { kind: 'window', windowMinutes: 1 };
    expect(nextAttemptDelayMs(input({ policy, attempt: 1, timeScale: 0.01 }))).toBe(50);
    // 1 minute × 0.01 = 600 ms window: the 30 s × 0.01 = 300 ms step still fits at t=100 ms…
    expect(nextAttemptDelayMs(input({ policy, attempt: 2, nowMs: T0 + 100, timeScale: 0.01 }))).toBe(300);
    // …but not at t=500 ms, so the last attempt is at the 600 ms deadline.
    expect(nextAttemptDelayMs(input({ policy, attempt: 3, nowMs: T0 + 500, timeScale: 0.01 }))).toBe(100);
  });

  it('Retry-After lengthens the wait but never extends the window', () => {
    const policy: RetryPolicy = { kind: 'window', windowMinutes: 10 };
    expect(nextAttemptDelayMs(input({ policy, retryAfterMs: 120_000 }))).toBe(120_000);
    expect(nextAttemptDelayMs(input({ policy, retryAfterMs: 3_600_000 }))).toBe(600_000);
  });
});

describe('maxAttemptsOf', () => {
  it('is the attempt count for attempts policies and null for time-bound windows', () => {
    expect(maxAttemptsOf(apiVideo)).toBe(3);
    expect(maxAttemptsOf(day)).toBeNull();
  });
});
