import { describe, expect, it } from 'vitest';
import { capForState, STATE_BODY_MAX_BYTES, truncateUtf8 } from '../../src/delivery/state-record.js';
import { type AttemptRecord, KEPT_RESPONSE_HEADERS } from '../../src/delivery/types.js';
import type { DeliveryState } from '../../src/workflows/delivery-contract.js';

/** Most attempts any policy allows (`attempts`: maxAttempts ≤ 50). */
const MAX_ATTEMPTS = 50;
/** HERALD_RESPONSE_BODY_MAX_BYTES at its maximum. */
const MAX_BODY = 1_048_576;
/** Temporal refuses a payload (the workflow's result, a query answer) above 2 MB. */
const TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024;

/** A record with every field as large as the activity can make it, built of `ch`. */
function worstRecord(ch: string, attempt: number): AttemptRecord {
  return {
    id: `att_${'0'.repeat(36)}`,
    attempt,
    webhookId: `wh_${'0'.repeat(20)}`,
    address: `https://h.example/${ch.repeat(4096 - 18)}`, // URLs are at most 4096 characters
    createdAt: new Date(0).toISOString(),
    durationMs: 120_000,
    responseStatusCode: 599,
    // Every kept header, each at undici's whole header limit (16 KiB).
    responseHeaders: Object.fromEntries(KEPT_RESPONSE_HEADERS.map((h) => [h, ch.repeat(16_384)])),
    responseBody: ch.repeat(MAX_BODY),
    error: { kind: 'other', message: ch.repeat(4096) },
    maxAttempts: MAX_ATTEMPTS,
    nextAttemptAt: new Date(0).toISOString(),
  };
}

/** Bytes of the state as Temporal stores it (JSON payload), after 50 attempts of `ch`. */
function stateBytes(ch: string): number {
  const state: DeliveryState = {
    status: 'failed',
    reason: 'retry policy exhausted',
    attempts: Array.from({ length: MAX_ATTEMPTS }, (_, i) => capForState(worstRecord(ch, i + 1))),
    nextAttemptAt: null,
  };
  return Buffer.byteLength(JSON.stringify(state), 'utf8');
}

describe('workflow state stays bounded at the maximum settings', () => {
  it('keeps at most 1 KiB of response body per attempt, never splitting a character', () => {
    const r = capForState(worstRecord('é', 1));
    expect(Buffer.byteLength(r.responseBody)).toBe(STATE_BODY_MAX_BYTES);
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('short', 1024)).toBe('short');
  });

  it('50 attempts of text at every maximum (1 MiB bodies, 4096-character URLs, 16 KiB headers) stay under 256 KiB', () => {
    const bytes = Math.max(stateBytes('a'), stateBytes('é'), stateBytes('€'), stateBytes('😀'));
    console.log(`worst-case state, 50 attempts of text: ${bytes} bytes`);
    expect(bytes).toBeLessThan(256 * 1024);
  }, 60_000); // CPU-heavy (builds 50 MiB of text): seconds on a busy 2-core box

  it('even when JSON escaping inflates every character sixfold (control characters), 50 attempts stay under Temporal’s 2 MB payload limit', () => {
    const bytes = Math.max(stateBytes('\u0001'), stateBytes('"'));
    console.log(`worst-case state, 50 attempts of escaped characters: ${bytes} bytes`);
    expect(bytes).toBeLessThan(TEMPORAL_PAYLOAD_LIMIT * 0.75);
  });
});
