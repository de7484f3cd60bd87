/**
 * Endpoint health: the pure rules. The counters live on the webhook row and are updated by the
 * statement that records each attempt (core/endpoint-health-sql.ts); this module says
 * what they mean and how they change the next wait. Pure and unit-tested.
 */

/**
 * Half-life of the decayed success/failure counters, ms. Every attempt adds 1 to one counter
 * after both decayed by 0.5^(elapsed / half-life), so an attempt an hour ago weighs half of one
 * now. The success rate is their ratio (a common decay leaves a ratio unchanged, so readers need
 * not decay it again): "recent" means the last few hours of the endpoint's traffic.
 */
export const HEALTH_HALF_LIFE_MS = 3_600_000;

/** A success that ends a run of at least this many consecutive failures emits `webhook.recovered`. */
export const RECOVERED_AFTER_FAILURES = 3;

/** The overload penalty starts once the endpoint has failed this many attempts in a row (this one included). */
export const PENALTY_AFTER_FAILURES = 3;
/** The next wait is multiplied by at most this much. */
export const MAX_PENALTY_FACTOR = 8;
/** Each further consecutive failure adds this much to the factor (before the failure-rate weighting). */
const PENALTY_STEP = 0.5;

/** How an attempt counts for its endpoint's health. `null`: it says nothing about the endpoint (a data error: nothing was sent). */
export type HealthVerdict = 'success' | 'failure' | null;

export interface EndpointHealth {
  /** Failed attempts since the last success, before the attempt being decided. */
  consecutiveFailures: number;
  /** Decayed counters (any common scale). */
  successes: number;
  failures: number;
}

/** Successes / all attempts of the decayed counters, rounded to 3 decimals; null before the first attempt. */
export function recentSuccessRate(successes: number, failures: number): number | null {
  const total = successes + failures;
  if (!(total > 0)) return null;
  return Math.round((successes / total) * 1000) / 1000;
}

/**
 * Overload: the receiver is struggling rather than refusing. A timeout, a refused or reset
 * connection, 429 or any 5xx. Other failures (4xx) are the receiver's answer, not its load.
 */
export function isOverload(statusCode: number | undefined, errorKind: string | undefined): boolean {
  if (statusCode !== undefined) return statusCode === 429 || statusCode >= 500;
  return errorKind === 'timeout' || errorKind === 'connect' || errorKind === 'reset';
}

/**
 * The factor (1 … MAX_PENALTY_FACTOR) by which an overloaded endpoint's next wait grows, from
 * its health including the attempt that just failed: nothing below PENALTY_AFTER_FAILURES failures
 * in a row; then 1 + 0.5 per further failure (capped), weighted by the recent failure rate, so an
 * endpoint that keeps failing across all its deliveries waits longer than one that fails now and
 * then. It depends on the endpoint, not on the delivery's attempt number: a fresh delivery to an
 * endpoint that has timed out 20 times in a row starts with the full penalty.
 */
export function overloadPenaltyFactor(health: EndpointHealth, overloaded: boolean): number {
  if (!overloaded) return 1;
  const streak = health.consecutiveFailures + 1;
  if (streak < PENALTY_AFTER_FAILURES) return 1;
  const failureRate = (health.failures + 1) / (health.successes + health.failures + 1);
  const extra = Math.min(MAX_PENALTY_FACTOR - 1, PENALTY_STEP * (streak - PENALTY_AFTER_FAILURES + 1));
  return 1 + extra * failureRate;
}
