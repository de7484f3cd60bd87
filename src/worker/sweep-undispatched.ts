import type { Client } from '@temporalio/client';
import { type Kysely, sql } from 'kysely';
import { dispatchEvent } from '../core/dispatch-event.js';
import { isDatabaseUnavailable, isStatementTimeout, isTemporalUnavailable } from '../db/infra-errors.js';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { runPeriodically } from './run-periodically.js';

/** An event this old and still not dispatched has lost its API process mid-publish. */
export const UNDISPATCHED_AFTER_MS = 60_000;
/** How often each worker looks; several workers may sweep at once (dispatch is idempotent). */
export const SWEEP_EVERY_MS = 30_000;
/** A poison event is tried this many times (one per sweep), then left alone and reported. */
export const MAX_DISPATCH_FAILURES = 5;
const SWEEP_BATCH = 100;
const MAX_ERROR_CHARS = 500;

interface SweepDeps {
  db: Kysely<Database>;
  temporal: Client;
  config: HeraldConfig;
}

export interface SweepResult {
  dispatched: number;
  /** Poison events this sweep skipped; `failures` counts this one; at MAX_DISPATCH_FAILURES it is given up on. */
  failed: { teamId: string; eventId: string; failures: number; error: string }[];
}

/**
 * Dispatches events that were stored but never handed to Temporal: the API process died between
 * its insert and the workflow starts, and the client did not retry. Safe to run anywhere, any
 * number of times: workflow ids are deterministic.
 *
 * An event that fails with a non-infrastructure error (poison: e.g. an id Temporal refuses) is
 * skipped, and the failure is recorded on its row (`dispatch_failures`, `dispatch_error`); events
 * that never failed are swept first, so poison cannot block them, and after
 * MAX_DISPATCH_FAILURES an event is no longer tried (reset `dispatch_failures` to 0 to retry it).
 * Temporal or PostgreSQL being unreachable, or a statement past its time bound, is no event's fault: the sweep stops, counts nothing,
 * and throws; the next sweep tries again.
 */
export async function sweepUndispatched(deps: SweepDeps, olderThanMs = UNDISPATCHED_AFTER_MS): Promise<SweepResult> {
  const cutoff = new Date(Date.now() - olderThanMs);
  const events = await deps.db
    .selectFrom('events')
    .select(['team_id', 'id', 'type', 'project_id', 'data', 'data_raw', 'created_at', 'dispatched_at', 'dispatch_failures'])
    .where('dispatched_at', 'is', null)
    .where('dispatch_failures', '<', MAX_DISPATCH_FAILURES)
    .where('created_at', '<', cutoff)
    .orderBy('dispatch_failures')
    .orderBy('created_at')
    .limit(SWEEP_BATCH)
    .execute();
  const result: SweepResult = { dispatched: 0, failed: [] };
  for (const { dispatch_failures, ...event } of events) {
    try {
      await dispatchEvent(deps, event);
      result.dispatched++;
    } catch (err) {
      if (isTemporalUnavailable(err) || isDatabaseUnavailable(err) || isStatementTimeout(err)) throw err;
      const error = describeError(err);
      await deps.db
        .updateTable('events')
        .set({ dispatch_failures: sql`dispatch_failures + 1`, dispatch_error: error })
        .where('team_id', '=', event.team_id)
        .where('id', '=', event.id)
        .execute();
      result.failed.push({ teamId: event.team_id, eventId: event.id, failures: dispatch_failures + 1, error });
    }
  }
  return result;
}

/** The error's message and those of its causes, e.g. `Failed to start Workflow: … WorkflowId length exceeds limit`. */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) parts.push(typeof e.message === 'string' ? e.message : String(e));
  return parts.join(': ').slice(0, MAX_ERROR_CHARS);
}

/** Sweeps every SWEEP_EVERY_MS until the returned stop function is called; errors are logged, never thrown. */
export function startSweeper(deps: SweepDeps, log: Logger): () => void {
  const sweep = async () => {
    const { dispatched, failed } = await sweepUndispatched(deps);
    if (dispatched) log.warn('dispatched events a crashed API left behind', { count: dispatched });
    for (const f of failed) {
      const gaveUp = f.failures >= MAX_DISPATCH_FAILURES;
      log[gaveUp ? 'error' : 'warn'](
        gaveUp
          ? 'gave up dispatching a poison event; fix it and reset events.dispatch_failures to retry'
          : 'could not dispatch an event; skipped, will retry',
        f,
      );
    }
  };
  return runPeriodically(sweep, SWEEP_EVERY_MS, log, 'undispatched-event sweep failed; will retry');
}
