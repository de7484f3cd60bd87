import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { dispatchEvent } from '../api/dispatch-event.js';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';

/** An event this old and still not dispatched has lost its API process mid-publish. */
export const UNDISPATCHED_AFTER_MS = 60_000;
/** How often each worker looks; several workers may sweep at once (dispatch is idempotent). */
export const SWEEP_EVERY_MS = 30_000;
const SWEEP_BATCH = 100;

interface SweepDeps {
  db: Kysely<Database>;
  temporal: Client;
  config: HeraldConfig;
}

/**
 * Dispatches events that were stored but never handed to Temporal: the API process died between
 * its insert and the workflow starts, and the client did not retry. Returns how many it
 * dispatched. Safe to run anywhere, any number of times: workflow ids are deterministic.
 */
export async function sweepUndispatched(deps: SweepDeps, olderThanMs = UNDISPATCHED_AFTER_MS): Promise<number> {
  const cutoff = new Date(Date.now() - olderThanMs);
  const events = await deps.db
    .selectFrom('events')
    .selectAll()
    .where('dispatched_at', 'is', null)
    .where('created_at', '<', cutoff)
    .orderBy('created_at')
    .limit(SWEEP_BATCH)
    .execute();
  for (const event of events) await dispatchEvent(deps, event);
  return events.length;
}

/** Sweeps every SWEEP_EVERY_MS until the returned stop function is called; errors are logged, never thrown. */
export function startSweeper(deps: SweepDeps, log: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepUndispatched(deps)
      .then((n) => n && log.warn('dispatched events a crashed API left behind', { count: n }))
      .catch((err) => log.warn('undispatched-event sweep failed; will retry', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        running = false;
      });
  }, SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
