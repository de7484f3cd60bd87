import { isOperationalEventType } from '../../catalogs/operational-events.js';
import { type EndpointHealth, overloadPenaltyFactor } from '../../delivery/endpoint-health.js';
import { nextAttemptDelayMs } from '../../delivery/retry-schedule.js';
import type { RetryPolicy } from '../../delivery/types.js';
import { type Reason, reasons } from '../delivery-reasons.js';
import { TEST_EVENT_TYPE } from '../row-targets.js';
import type { Classification } from './classify.js';

export interface DecideInput {
  classification: Classification;
  policy: RetryPolicy;
  /** 1-based number of the attempt being decided. */
  attempt: number;
  /** Epoch ms of attempt 1; undefined on the first attempt. */
  firstAttemptAtMs?: number;
  /** The endpoint's health as loaded with this attempt's target (before this attempt). */
  health: EndpointHealth;
  eventType: string;
  /** In [0, 1): the jitter draw. */
  random: number;
  /** retry-schedule.ts timeScale (1 in production). */
  timeScale: number;
}

/**
 * What happens next, and the effects that go with it. The delivery's story, one attempt at a time:
 * - 2xx: succeeded;
 * - 410 Gone: failed, and the webhook is deactivated (`deactivate`);
 * - a blocked target or a data error (nothing sent): failed, never retried;
 * - anything else: retrying after the policy's next wait (lengthened while the endpoint is
 *   overloaded), or failed once the policy is used up, which raises `delivery.exhausted`
 *   (`reportExhausted`) unless the delivery is itself an operational event or a ping.
 */
export interface Decision {
  status: 'succeeded' | 'failed' | 'retrying';
  reason: Reason | null;
  /** Epoch ms of the next attempt (retrying only). */
  nextAttemptAtMs: number | null;
  /** The webhook's disabled_reason when this attempt deactivates it (410 Gone). */
  deactivate: string | null;
  reportExhausted: boolean;
}

/** The decide stage. Pure: every input, the jitter draw included, is passed in. */
export function decide(d: DecideInput): Decision {
  const { outcome, endMs } = d.classification;
  const end = (reason: Reason, deactivate: string | null = null): Decision => ({
    status: 'failed',
    reason,
    nextAttemptAtMs: null,
    deactivate,
    reportExhausted: false,
  });
  switch (outcome.kind) {
    case 'success':
      return { status: 'succeeded', reason: null, nextAttemptAtMs: null, deactivate: null, reportExhausted: false };
    case 'gone':
      return end(reasons.gone410(), `receiver answered 410 Gone at ${new Date(endMs).toISOString()}`);
    case 'blocked':
      return end(reasons.blockedTarget());
    case 'invalid':
      return end(reasons.dataError(outcome.message));
    case 'retryable': {
      const delay = nextAttemptDelayMs({
        policy: d.policy,
        attempt: d.attempt,
        firstAttemptAtMs: d.firstAttemptAtMs ?? endMs,
        nowMs: endMs,
        retryAfterMs: outcome.retryAfterMs,
        random: d.random,
        timeScale: d.timeScale,
        penaltyFactor: overloadPenaltyFactor(d.health, d.classification.overloaded),
      });
      if (delay === null) return { ...end(reasons.retryExhausted()), reportExhausted: mayReportExhaustion(d.eventType) };
      return { status: 'retrying', reason: null, nextAttemptAtMs: endMs + delay, deactivate: null, reportExhausted: false };
    }
  }
}

/** Operational events and pings never raise `delivery.exhausted` (catalogs/operational-events.ts: no loops). */
function mayReportExhaustion(eventType: string): boolean {
  return !isOperationalEventType(eventType) && eventType !== TEST_EVENT_TYPE;
}
