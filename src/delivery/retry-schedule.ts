import { MAX_PENALTY_FACTOR } from './endpoint-health.js';
import type { RetryPolicy } from './types.js';

/** Window policy backoff: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly. */
export const WINDOW_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000] as const;
const DAY_MS = 86_400_000;

export interface ScheduleInput {
  policy: RetryPolicy;
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  firstAttemptAtMs: number;
  nowMs: number;
  /** From a 429/503 Retry-After header. */
  retryAfterMs?: number;
  /** In [0, 1): the jitter draw, passed in so this stays pure and deterministic. */
  random: number;
  /** Multiplies window-policy delays and the window itself: 1 in production, smaller in tests. */
  timeScale: number;
  /**
   * The endpoint's overload penalty (endpoint-health.ts overloadPenaltyFactor, 1–8): multiplies a
   * window policy's step. Default 1. Attempts policies keep their exact intervals.
   */
  penaltyFactor?: number;
}

export function maxAttemptsOf(policy: RetryPolicy): number | null {
  return policy.kind === 'attempts' ? policy.maxAttempts : null;
}

/**
 * Milliseconds to wait before the next attempt, or null when the policy allows no more.
 *
 * - `attempts`: exact intervals (no jitter), so "3 attempts, 3 s apart" holds; exponential
 *   doubles from the interval, capped at 24 h. The time scale does not apply: the user chose it.
 * - `window`: the backoff table with ±20 % jitter, until `windowMinutes` after the first
 *   attempt; when the next step would overshoot, one last attempt lands exactly at the deadline.
 * - The overload penalty lengthens a window step (never past the window: the last attempt still
 *   lands at the deadline); attempts policies ignore it, their intervals are the user's contract.
 * - Retry-After is honoured within the policy: it can lengthen a wait, but never grants an
 *   extra attempt or extends the window (attempts kind: capped at 24 h).
 */
export function nextAttemptDelayMs(input: ScheduleInput): number | null {
  const { policy, attempt } = input;
  if (policy.kind === 'attempts') {
    if (attempt >= policy.maxAttempts) return null;
    const base = policy.intervalSeconds * 1000;
    let delay = policy.backoff === 'exponential' ? Math.min(base * 2 ** (attempt - 1), DAY_MS) : base;
    if (input.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(input.retryAfterMs, DAY_MS));
    return delay;
  }
  if (policy.windowMinutes === 0) return null;
  const step = WINDOW_BACKOFF_MS[Math.min(attempt - 1, WINDOW_BACKOFF_MS.length - 1)]!;
  const penalty = Math.min(Math.max(input.penaltyFactor ?? 1, 1), MAX_PENALTY_FACTOR);
  let delay = step * penalty * input.timeScale * (0.8 + 0.4 * input.random);
  if (input.retryAfterMs !== undefined) delay = Math.max(delay, input.retryAfterMs);
  delay = Math.round(delay);
  const deadline = input.firstAttemptAtMs + policy.windowMinutes * 60_000 * input.timeScale;
  if (input.nowMs + delay <= deadline) return delay;
  const untilDeadline = Math.round(deadline - input.nowMs);
  return untilDeadline > 0 ? untilDeadline : null;
}
