/**
 * Maps Postgres' clock, on which rate-limit slots are reserved, onto this process' clock. The
 * offset comes from the reservation with the shortest round trip seen (error ≤ half of it), so a
 * reply that came back late does not shift where its slot is believed to be. (It used to be
 * taken as "now + wait" on arrival: a reply delayed 150 ms on a busy machine made a send 150 ms
 * late while the code thought it on time, and 6 sends landed in a 1 s window at a limit of 5.)
 * A sample older than REFRESH_MS is replaced by any not much worse one, so drift is followed.
 */
const REFRESH_MS = 30_000;
/**
 * A sample whose round trip took longer than this is too vague to place slots by (its error is
 * up to half of it; a pool's first query includes connecting and can take 200 ms), so the
 * caller syncs with a cheap query first. Same for a best sample older than SYNC_AFTER_MS.
 */
const GOOD_RTT_MS = 10;
const SYNC_AFTER_MS = 10 * 60_000;

export interface PgClock {
  /** One reservation: local ms before sending it, local ms when its reply arrived, Postgres' now (ms). */
  sample(sentAtMs: number, receivedAtMs: number, pgNowMs: number): void;
  /** A Postgres time (ms) on this process' clock. */
  toLocal(pgMs: number): number;
  /** True until a sample with a round trip ≤ GOOD_RTT_MS is at most SYNC_AFTER_MS old. */
  needsSync(nowMs: number): boolean;
}

export function createPgClock(): PgClock {
  let best: { offsetMs: number; rttMs: number; atMs: number } | undefined;
  return {
    sample(sentAtMs, receivedAtMs, pgNowMs) {
      const rttMs = Math.max(0, receivedAtMs - sentAtMs);
      const offsetMs = pgNowMs - (sentAtMs + rttMs / 2);
      const stale = best !== undefined && receivedAtMs - best.atMs > REFRESH_MS;
      if (!best || rttMs <= best.rttMs || (stale && rttMs <= 2 * best.rttMs + 2) || receivedAtMs - best.atMs > 10 * REFRESH_MS) {
        best = { offsetMs, rttMs, atMs: receivedAtMs };
      }
    },
    toLocal(pgMs) {
      return pgMs - (best?.offsetMs ?? 0);
    },
    needsSync(nowMs) {
      return !best || best.rttMs > GOOD_RTT_MS || nowMs - best.atMs > SYNC_AFTER_MS;
    },
  };
}
