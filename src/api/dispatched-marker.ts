import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';

/** Marks are written at most this long after the publish that made them, ms. */
export const MARK_FLUSH_MS = 50;
const MAX_BATCH = 500;

/**
 * Sets `events.dispatched_at` for many events in one statement. The mark is bookkeeping for the
 * undispatched-event sweep, not part of the publish promise: publish answers once Temporal has
 * the workflows, and a mark lost to a crash or an outage only means the sweep dispatches that
 * event again after UNDISPATCHED_AFTER_MS, which is a no-op (workflow ids are deterministic).
 */
export function createDispatchedMarker(db: Kysely<Database>, log: Logger) {
  let pending: { teamId: string; id: string }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    await sql`/*prepare*/
      update events set dispatched_at = now()
      where (team_id, id) in (select * from unnest(${batch.map((b) => b.teamId)}::text[], ${batch.map((b) => b.id)}::text[]))
        and dispatched_at is null
    `
      .execute(db)
      .catch((err: unknown) => log.warn('could not mark events dispatched; the sweep will', { count: batch.length, error: err instanceof Error ? err.message : String(err) }));
  };
  return {
    mark(teamId: string, id: string): void {
      pending.push({ teamId, id });
      if (pending.length >= MAX_BATCH) void flush();
      else timer ??= setTimeout(() => void flush(), MARK_FLUSH_MS).unref();
    },
    flush,
  };
}
export type DispatchedMarker = ReturnType<typeof createDispatchedMarker>;
