import { MAX_INLINE_WAIT_MS, MAX_LEAD_MS } from './wait-for-slot.js';

/**
 * Per-webhook concurrency cap: the pure rules. The accounting itself is one row per webhook in
 * `webhook_in_flight`, acquired in the attempt's load statement (load-target.ts) and released in
 * its record statement (core/attempt/record.ts; the release is webhook-in-flight-repo.ts releaseLeaseSql).
 */

/** Added to the longest an attempt can hold its lease, so a slow record statement does not outlive it. */
export const LEASE_MARGIN_MS = 5_000;
/** A refused delivery sleeps at least this long (it was refused because every place was taken). */
export const MIN_REFUSED_WAIT_MS = 250;
/**
 * The queue of refused deliveries is never longer than this: a webhook that hung for a while and
 * then recovered keeps its waiters asleep at most this long. Beyond it waiters bunch up at its
 * end, spread by the jitter below, so a queue of N costs about N ÷ 300 wake-ups a second.
 */
export const MAX_REFUSED_WAIT_MS = 300_000;
/** A refused delivery's wake-up is moved later by up to this fraction of its wait. */
export const REFUSED_WAIT_JITTER = 0.1;
/** Assumed lease hold of a webhook that has never released one yet, ms. */
export const INITIAL_HOLD_MS = 1_000;
/** Weight of the newest hold in the webhook's moving average. */
export const HOLD_EWMA_WEIGHT = 0.2;

/**
 * How long one attempt may hold its place, ms: the whole send (`timeoutMs`), the in-activity
 * rate-limit wait with one re-reservation, and a margin. A worker that dies mid-attempt frees its
 * place after this; an attempt that ends records and releases at once.
 */
export function leaseMs(timeoutMs: number): number {
  return timeoutMs + MAX_INLINE_WAIT_MS + MAX_LEAD_MS + LEASE_MARGIN_MS;
}

/**
 * When a refused delivery tries again (epoch ms): its place in the webhook's queue (`queueWaitMs`,
 * from Postgres: each refusal is queued one average hold ÷ cap after the previous one, so waiters
 * wake about as fast as places free up), bounded, plus jitter so waiters never wake in a herd.
 * `random` in [0, 1).
 */
export function refusedWakeAtMs(nowMs: number, queueWaitMs: number, random: number): number {
  const wait = Math.min(MAX_REFUSED_WAIT_MS, Math.max(MIN_REFUSED_WAIT_MS, Number.isNaN(queueWaitMs) ? 0 : queueWaitMs));
  return nowMs + Math.round(wait * (1 + REFUSED_WAIT_JITTER * random));
}
