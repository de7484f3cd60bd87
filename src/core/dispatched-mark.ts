import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';

/** Marks are written at most this long after the publish that made them, ms. */
export const MARK_FLUSH_MS = 50;
const MAX_BATCH = 500;

export interface EventKey {
  teamId: string;
  id: string;
}

/**
 * "Mark dispatched", the one way: sets `events.dispatched_at` of events whose workflows Temporal
 * has durably accepted, in one statement. The mark is bookkeeping for the undispatched-event
 * sweep, not part of the delivery promise: a mark lost to a crash or an outage only means the
 * sweep dispatches that event again after UNDISPATCHED_AFTER_MS, which is a no-op (workflow ids
 * are deterministic).
 */
export async function markDispatched(db: Kysely<Database>, events: readonly EventKey[]): Promise<void> {
  if (!events.length) return;
  await sql`/*prepare*/
    update events set dispatched_at = now()
    where (team_id, id) in (select * from unnest(${events.map((b) => b.teamId)}::text[], ${events.map((b) => b.id)}::text[]))
      and dispatched_at is null
  `.execute(db);
}

/** Batches the marks of many publishes into one markDispatched each MARK_FLUSH_MS (or MAX_BATCH marks). Failures are logged. */
export function createDispatchedMarker(db: Kysely<Database>, log: Logger) {
  let pending: EventKey[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    await markDispatched(db, batch).catch((err: unknown) =>
      log.warn('could not mark events dispatched; the sweep will', {
        count: batch.length,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
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
