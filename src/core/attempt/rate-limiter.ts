import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.js';
import type { PgClock } from './pg-clock.js';

/**
 * Jitter allowance, ms. A send starts up to 50 ms after its slot (wait-for-slot.ts) and the
 * network and the receiver's scheduler add more, so slots are spaced (1000 + this) / rate ms
 * apart: arrivals may then drift by up to this much and a receiver still never sees more than
 * `rate` requests in any 1-second window. The price: at most rate × 1000/1100 sends per second.
 */
export const JITTER_BUDGET_MS = 100;

/** The rate_limits row of one webhook. */
export const rateLimitKey = (webhookId: string) => `webhook:${webhookId}`;

/**
 * GCRA with no burst, shared by every worker through one Postgres row per webhook: each call
 * reserves the next free slot, spaced (1 s + JITTER_BUDGET_MS) / rate apart, and returns its time
 * on this process' clock (epoch ms).
 * One `INSERT … ON CONFLICT … RETURNING` statement, so reservations never race.
 * Postgres' clock is the one clock all workers agree on; `clock` maps it onto this process'.
 * `leadMs`: the slot is at least this far ahead of Postgres' now, so that a caller whose replies
 * come back late (a busy event loop) still gets its slot before it is due.
 */
export async function reserveSlot(db: Kysely<Database>, clock: PgClock, key: string, ratePerSecond: number, leadMs = 0): Promise<number> {
  const intervalUs = Math.ceil(((1000 + JITTER_BUDGET_MS) * 1000) / ratePerSecond);
  const step = sql`make_interval(secs => ${intervalUs / 1_000_000})`;
  const lead = sql`make_interval(secs => ${Math.max(0, Math.round(leadMs)) / 1000})`;
  const sentAt = Date.now();
  const row = await sql<{ slot_at: Date; wait_ms: number }>`/*prepare*/
    insert into rate_limits as r (key, tat) values (${key}, clock_timestamp() + ${lead} + ${step})
    on conflict (key) do update set tat = greatest(r.tat, clock_timestamp() + ${lead}) + ${step}
    returning r.tat - ${step} as slot_at,
              greatest(0, extract(epoch from (r.tat - ${step} - clock_timestamp())) * 1000)::float8 as wait_ms
  `.execute(db);
  return slotOnLocalClock(db, clock, sentAt, Date.now(), row.rows[0]!);
}

/**
 * A reserved slot (Postgres time) on this process' clock, feeding the clock estimate. The slot is
 * never before Postgres' now, so now = slot − wait (both read in the same statement). When the
 * estimate is still vague (pg-clock.ts), a few cheap clock reads sharpen it first.
 */
export async function slotOnLocalClock(
  db: Kysely<Database>,
  clock: PgClock,
  sentAtMs: number,
  receivedAtMs: number,
  r: { slot_at: Date; wait_ms: number },
): Promise<number> {
  const slotPgMs = r.slot_at.getTime();
  clock.sample(sentAtMs, receivedAtMs, slotPgMs - Number(r.wait_ms));
  for (let i = 0; i < 3 && clock.needsSync(Date.now()); i++) {
    const t0 = Date.now();
    const { rows } = await sql<{ now_ms: number }>`/*prepare*/ select extract(epoch from clock_timestamp()) * 1000 as now_ms`.execute(db);
    clock.sample(t0, Date.now(), Number(rows[0]!.now_ms));
  }
  return clock.toLocal(slotPgMs);
}
