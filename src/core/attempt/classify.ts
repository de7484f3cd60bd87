import { classifyOutcome } from '../../delivery/classify-outcome.js';
import { type HealthVerdict, isOverload } from '../../delivery/endpoint-health.js';
import type { Outcome, SendResult } from '../../delivery/types.js';

export interface Classification {
  outcome: Outcome;
  /** The receiver is struggling (timeout, refused, 429, 5xx): lengthens the next wait. */
  overloaded: boolean;
  /** How it counts for the endpoint's health: a data error sent nothing, so it says nothing about the endpoint. */
  verdict: HealthVerdict;
  /** When the attempt ended (epoch ms). */
  endMs: number;
}

/** The classify stage: what the send's result means (classify-outcome.ts, endpoint-health.ts). Pure. */
export function classify(result: SendResult, nowMs: number): Classification {
  const outcome = classifyOutcome(result, nowMs);
  return {
    outcome,
    overloaded: isOverload(result.statusCode, result.error?.kind),
    // A data error or a transformation's error sent nothing: it says nothing about the endpoint.
    verdict: outcome.kind === 'success' ? 'success' : outcome.kind === 'invalid' || result.error?.kind === 'transform' ? null : 'failure',
    endMs: Date.parse(result.startedAt) + result.durationMs,
  };
}
