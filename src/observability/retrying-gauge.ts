import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * herald_deliveries_retrying is a count over the deliveries table, not a sum of per-process
 * increments: a delivery retried by one worker and finished by another, or a worker that died,
 * would leave a per-process gauge wrong. Counted on scrape (the partial index
 * deliveries_reconcile_idx holds just the pending and retrying rows) and cached for CACHE_MS, so
 * several scrapers or processes cost at most one query per CACHE_MS each, and no attempt ever
 * pays a query for metrics.
 */
export const RETRYING_CACHE_MS = 5_000;

let db: Kysely<Database> | undefined;
let cached: { value: number; atMs: number } | undefined;
let inflight: Promise<number | undefined> | undefined;

/** The database the gauge counts in (the last one given wins; one per process in practice). */
export function countRetryingIn(database: Kysely<Database>): void {
  db = database;
  cached = undefined;
}

/** The cached count, refreshed when older than RETRYING_CACHE_MS; undefined without a database or on error (the scrape still answers). */
export async function retryingCount(nowMs = Date.now()): Promise<number | undefined> {
  if (!db) return undefined;
  if (cached && nowMs - cached.atMs < RETRYING_CACHE_MS) return cached.value;
  const from = db;
  inflight ??= from
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'retrying')
    .executeTakeFirst()
    .then((r) => {
      cached = { value: Number(r?.n ?? 0), atMs: Date.now() };
      return cached.value;
    })
    .catch(() => cached?.value)
    .finally(() => {
      inflight = undefined;
    });
  return inflight;
}
