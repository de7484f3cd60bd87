import { StringDecoder } from 'node:string_decoder';
import type { AttemptRecord } from './types.js';

/** Response body bytes an attempt record keeps in workflow state; PostgreSQL keeps the configured maximum. */
export const STATE_BODY_MAX_BYTES = 1024;
/** Bytes kept of each response header value in workflow state. */
export const STATE_HEADER_MAX_BYTES = 128;
/** Bytes kept of an attempt's error message in workflow state (send-attempt caps it at 200 characters already). */
export const STATE_ERROR_MAX_BYTES = 256;
/** Bytes kept of the webhook URL in workflow state (URLs may be 4096 characters). */
export const STATE_ADDRESS_MAX_BYTES = 2048;

/** NUL as U+FFFD: PostgreSQL refuses NUL in text and jsonb, and both stores must show the same record. */
export const withoutNul = (s: string) => s.replaceAll('\u0000', '\uFFFD');

/** The first `max` bytes of `s` as UTF-8, never splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= max) return s;
  // write() without end() holds back a character cut in half instead of emitting U+FFFD.
  return new StringDecoder('utf8').write(bytes.subarray(0, max));
}

/**
 * The attempt record as the workflow keeps it: state (and so history, the query answer and
 * the workflow's result) stays small however large HERALD_RESPONSE_BODY_MAX_BYTES is, while the
 * full record goes to PostgreSQL (delivery_attempts). Worst case: test/unit/state-size.test.ts.
 */
export function capForState(r: AttemptRecord): AttemptRecord {
  return {
    ...r,
    address: truncateUtf8(withoutNul(r.address), STATE_ADDRESS_MAX_BYTES),
    responseHeaders: Object.fromEntries(
      Object.entries(r.responseHeaders).map(([k, v]) => [k, truncateUtf8(withoutNul(v), STATE_HEADER_MAX_BYTES)]),
    ),
    responseBody: truncateUtf8(withoutNul(r.responseBody), STATE_BODY_MAX_BYTES),
    error: r.error && { kind: r.error.kind, message: truncateUtf8(withoutNul(r.error.message), STATE_ERROR_MAX_BYTES) },
  };
}
