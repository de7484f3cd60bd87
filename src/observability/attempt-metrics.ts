import type { HeraldConfig } from '../config.js';
import type { Outcome } from '../delivery/types.js';
import { attemptReruns, deliveriesCompleted, deliveryAttemptDuration, deliveryAttempts, endToEnd, rateLimitWait } from './metrics.js';

/**
 * What the attempt activity reports to the metrics registry: a few counter increments and
 * histogram observations in memory, never a query. Off (HERALD_METRICS_ENABLED=false), nothing.
 */
export interface AttemptFigures {
  outcome: Outcome['kind'];
  /** The attempt record's duration, ms. */
  durationMs: number;
  status: 'succeeded' | 'failed' | 'retrying';
  /** When the event was stored (epoch ms) and when the 2xx answer ended (epoch ms); successes only. */
  publishedAtMs: number;
  endedAtMs: number;
}

export function recordAttemptMetrics(config: HeraldConfig, f: AttemptFigures): void {
  if (!config.observability.metricsEnabled) return;
  deliveryAttempts.inc({ outcome: f.outcome });
  deliveryAttemptDuration.observe(f.durationMs / 1000);
  if (f.status !== 'retrying') deliveriesCompleted.inc({ status: f.status });
  // Postgres' clock against this worker's: clamped, a small skew must not give a negative time.
  // An event whose stored time is unusable (NaN) is not observed rather than failing the attempt.
  if (f.outcome === 'success' && Number.isFinite(f.publishedAtMs)) endToEnd.observe(Math.max(0, f.endedAtMs - f.publishedAtMs) / 1000);
}

/** An attempt run again that answered its recorded outcome (nothing sent, nothing else counted again). */
export function recordAttemptRerun(config: HeraldConfig): void {
  if (config.observability.metricsEnabled) attemptReruns.inc();
}

/** Seconds from the start of an attempt's slot wait to its slot (ready) or to its parked wake-up (throttled). */
export function recordRateLimitWait(config: HeraldConfig, waitedMs: number): void {
  if (config.observability.metricsEnabled) rateLimitWait.observe(Math.max(0, waitedMs) / 1000);
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** A delivery ended outside an attempt (cancelled). Unknown statuses are not labels. */
export function recordDeliveryEnded(config: HeraldConfig, status: string): void {
  if (config.observability.metricsEnabled && TERMINAL.has(status)) deliveriesCompleted.inc({ status });
}
