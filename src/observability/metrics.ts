import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { retryingCount } from './retrying-gauge.js';

/**
 * Herald's own Prometheus series, in one registry per process. With API and worker in one
 * process (`npm start`) both record here, so one `/metrics` covers both. Labels are low
 * cardinality by contract: never a team, webhook, event or delivery id.
 * Counters are at-least-once: an attempt whose local activity is retried (worker crash after
 * the send) may be counted twice; the deliveries table stays the record of truth.
 */
export const heraldRegistry = new Registry();

/** Publish calls by result: accepted (new event), duplicate (same id again), rejected (4xx), failed (5xx). */
export const eventsPublished = new Counter({
  name: 'herald_events_published_total',
  help: 'events.publish calls by result: accepted, duplicate, rejected (client error), failed (server error)',
  labelNames: ['result'] as const,
  registers: [heraldRegistry],
});

/** One per HTTP attempt sent (or refused before sending), by classify-outcome kind. */
export const deliveryAttempts = new Counter({
  name: 'herald_delivery_attempts_total',
  help: 'Delivery attempts by outcome: success (2xx), retryable, gone (410), blocked (address refused), invalid (request could not be built)',
  labelNames: ['outcome'] as const,
  registers: [heraldRegistry],
});

/** Seconds from connect to the end of the response body read (the attempt record's durationMs). */
export const deliveryAttemptDuration = new Histogram({
  name: 'herald_delivery_attempt_duration_seconds',
  help: 'Duration of one outbound delivery HTTP attempt, seconds',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [heraldRegistry],
});

export const attemptReruns = new Counter({
  name: 'herald_attempt_reruns_answered_total',
  help: 'Attempts run again after their result was lost (a lost workflow task) that answered their recorded outcome instead of sending again',
  registers: [heraldRegistry],
});

export const deliveriesCompleted = new Counter({
  name: 'herald_deliveries_completed_total',
  help: 'Deliveries that reached a terminal status: succeeded, failed, cancelled',
  labelNames: ['status'] as const,
  registers: [heraldRegistry],
});

/** Event stored (Postgres' clock) → the receiver's 2xx ended (worker's clock); successes only. */
export const endToEnd = new Histogram({
  name: 'herald_end_to_end_seconds',
  help: 'Seconds from an event being published to a 2xx answer from the receiver (includes retries)',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
  registers: [heraldRegistry],
});

/** Per attempt call: the inline wait for its slot, or (throttled) the wait it is parked for. */
export const rateLimitWait = new Histogram({
  name: 'herald_rate_limit_wait_seconds',
  help: "Seconds an attempt waited for its webhook's rate-limit slot (inline waits, and the parked wait of a throttled attempt)",
  buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [heraldRegistry],
});

export const apiRequestDuration = new Histogram({
  name: 'herald_api_request_duration_seconds',
  help: 'tRPC procedure duration by procedure and result code (OK or the tRPC error code)',
  labelNames: ['procedure', 'code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [heraldRegistry],
});

/** Filled in on scrape by retrying-gauge.ts (counted in Postgres, so right across processes). */
export const deliveriesRetrying = new Gauge({
  name: 'herald_deliveries_retrying',
  help: 'Deliveries waiting for a retry (status retrying), across all processes; counted in PostgreSQL, cached briefly',
  registers: [heraldRegistry],
  async collect() {
    const n = await retryingCount();
    if (n !== undefined) this.set(n);
  },
});
