import { parseRetryAfter } from './parse-retry-after.js';
import type { Outcome, SendResult } from './types.js';

/**
 * What one attempt means for the delivery. 2xx succeeds (even if the body read then failed:
 * the receiver accepted it); 410 Gone stops and deactivates; a blocked target, and a request that
 * could not be built from the stored data (a data error, nothing sent), are never retried;
 * anything else, including no response, is retryable. Pure.
 */
export function classifyOutcome(result: SendResult, nowMs: number): Outcome {
  const code = result.statusCode;
  if (code !== undefined && code >= 200 && code < 300) return { kind: 'success' };
  if (result.error?.kind === 'blocked') return { kind: 'blocked' };
  if (result.error?.kind === 'invalid') return { kind: 'invalid', message: result.error.message };
  if (code === 410) return { kind: 'gone' };
  if (code === 429 || code === 503) {
    const retryAfterMs = parseRetryAfter(result.responseHeaders['retry-after'], nowMs);
    if (retryAfterMs !== undefined) return { kind: 'retryable', retryAfterMs };
  }
  return { kind: 'retryable' };
}
