import { MAX_LATE_MS, MAX_LEAD_MS } from '../../delivery/wait-for-slot.js';

/**
 * How late this process gets to act on a slot it reserved, and so how far ahead of Postgres' now
 * to reserve the next one. A slot reserved "now" is already in the past when the reply has come
 * back through a busy event loop; once that delay passes MAX_LATE_MS, the send must give the slot
 * up and reserve again further ahead (wait-for-slot.ts), which pushes the webhook's shared
 * schedule ahead for every later delivery: on a loaded box that cascaded into waits of ~0.5 s at
 * 25/s against a limit of 1,000/s. Reserving each slot where this process will actually be, by
 * the delays it saw lately, keeps sends on their slots without that second reservation; it adds
 * no latency, since no send could leave before its reply arrived anyway.
 */

/** Delays kept (the most recent ones), and the share of them a lead must cover. */
const WINDOW = 64;
const QUANTILE = 0.9;

export interface ReplyLag {
  /** One reservation: from Postgres' now in the reserving statement to this process acting on it, ms (local clock). */
  observe(delayMs: number): void;
  /** How far ahead of Postgres' now to place the next slot, ms: 0 while delays stay within MAX_LATE_MS. */
  leadMs(): number;
}

export function createReplyLag(): ReplyLag {
  const delays: number[] = [];
  let next = 0;
  let lead = 0;
  return {
    observe(delayMs) {
      if (!Number.isFinite(delayMs)) return;
      delays[next] = Math.max(0, delayMs);
      next = (next + 1) % WINDOW;
      const sorted = [...delays].sort((a, b) => a - b);
      const q = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * QUANTILE))]!;
      // A send may start up to MAX_LATE_MS after its slot: only the delay beyond that needs a lead.
      lead = Math.min(MAX_LEAD_MS, Math.max(0, Math.round(q - MAX_LATE_MS / 2)));
    },
    leadMs: () => lead,
  };
}
