import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { type Reason, reasons } from './delivery-reasons.js';
import { ACTIVE_STATUSES, attemptEvent, type StatusEvent, type TerminalStatus, TRANSITIONS } from './delivery-transitions.js';

/**
 * The one writer of `deliveries.status` (and of the fields that go with it: reason, its code,
 * attempts, next attempt). Every write is an event of delivery-transitions.ts, guarded in SQL by
 * the event's from-states where it has any to refuse; the CTE statements of publish and of the
 * attempt's record take their fragments from here. The workflow stays the source of truth; the
 * row mirrors it for listing, recovery and live figures.
 */

type Db = Kysely<Database> | Transaction<Database>;

const to = (event: StatusEvent) => TRANSITIONS[event].to as string;
const PENDING = sql.lit(to('started'));

export interface NewDelivery {
  id: string;
  teamId: string;
  eventId: string;
  webhookId: string;
  eventType: string;
}

/** `started` for a batch of rows in one statement; a re-run fan-out inserts nothing twice (refused: the row exists). */
export async function insertPendingDeliveries(db: Db, rows: NewDelivery[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto('deliveries')
    .values(
      rows.map((r) => ({
        id: r.id,
        team_id: r.teamId,
        event_id: r.eventId,
        webhook_id: r.webhookId,
        event_type: r.eventType,
        status: to('started'),
        created_at: new Date(),
        updated_at: new Date(),
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * `started` as a CTE body: inserts a pending row for each row of `from` (a SQL `from … where …`
 * tail), the columns given as SQL expressions over it.
 */
export function pendingRowsSql(
  cols: {
    id: RawBuilder<unknown>;
    teamId: unknown;
    eventId: unknown;
    webhookId: RawBuilder<unknown>;
    eventType: unknown;
    /** A fifo webhook's rows: the ordering key ('' for none) and the sequence number. */
    ordering?: { key: unknown; sequence: RawBuilder<unknown> };
  },
  from: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const ordering = cols.ordering;
  return sql`insert into deliveries (id, team_id, event_id, webhook_id, event_type, status, created_at, updated_at${ordering ? sql`, ordering_key, sequence` : sql``})
      select ${cols.id}, ${cols.teamId}, ${cols.eventId}, ${cols.webhookId}, ${cols.eventType}, ${PENDING}, now(), now()${ordering ? sql`, ${ordering.key}, ${ordering.sequence}` : sql``}
      ${from}
      on conflict (id) do nothing`;
}

/** An attempt's result as the row mirrors it. */
export interface AttemptStatus {
  status: 'retrying' | 'succeeded' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Why it failed; null while it runs or once it succeeded. */
  reason: Reason | null;
  lastAttemptAt: Date;
  nextAttemptAt: Date | null;
}

/**
 * `attempt-retrying` / `attempt-succeeded` / `attempt-failed` as a CTE body of the attempt's
 * record statement (every from-state is allowed: see TRANSITIONS). The SQL text is the same for
 * every attempt (the statement is prepared).
 */
export function attemptStatusSql(deliveryId: string, runId: string, p: AttemptStatus): RawBuilder<unknown> {
  const status = to(attemptEvent(p.status));
  return sql`update deliveries set status = ${status}, attempts = ${p.attempts}, last_status_code = ${p.lastStatusCode},
        last_error = ${p.lastError}, reason = ${p.reason?.text ?? null}, reason_code = ${p.reason?.code ?? null}, last_attempt_at = ${p.lastAttemptAt},
        next_attempt_at = ${p.nextAttemptAt}, run_id = ${runId}, updated_at = now()
      where id = ${deliveryId}`;
}

/** `cancelled` by the running workflow `runId` (its attempt found nothing to send to, or it was signalled). */
export async function markCancelled(db: Db, deliveryId: string, runId: string, reason: Reason): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({
      status: to('cancelled'),
      last_error: reason.text,
      reason: reason.text,
      reason_code: reason.code,
      next_attempt_at: null,
      run_id: runId,
      updated_at: new Date(),
    })
    .where('id', '=', deliveryId)
    .execute();
}

/** `target-gone`: rows (of a ping or an operational event) whose webhook was deleted before their run started. */
export async function cancelTargetGone(db: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const r = reasons.webhookDeleted();
  await db
    .updateTable('deliveries')
    .set({ status: to('target-gone'), last_error: r.text, reason: r.text, reason_code: r.code, updated_at: new Date() })
    .where('id', 'in', ids)
    .where('status', 'in', TRANSITIONS['target-gone'].from as string[])
    .execute();
}

/**
 * `replayed`: a new run `runId` has started; the row mirrors it from now on, pending with no
 * attempts, unless the new run has already written the row itself (its first attempt can beat this call).
 */
export async function markReplayed(db: Db, id: string, runId: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({
      status: to('replayed'),
      attempts: 0,
      next_attempt_at: null,
      last_error: null,
      reason: null,
      reason_code: null,
      run_id: runId,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('run_id', 'is distinct from', runId)
    .execute();
}

/**
 * `closed-externally`: a workflow that closed without writing its row (terminated, cancelled or
 * deleted from the Temporal UI) is mirrored, only while the row is still active and nobody
 * wrote it since it was read (`seenUpdatedAt`). Returns whether it changed the row.
 */
export async function settleClosed(
  db: Db,
  id: string,
  seenUpdatedAt: Date,
  closedAs: TerminalStatus,
  reason: Reason | null,
): Promise<boolean> {
  const r = await db
    .updateTable('deliveries')
    .set({
      status: closedAs,
      reason: reason?.text ?? null,
      reason_code: reason?.code ?? null,
      last_error: reason?.text ?? null,
      next_attempt_at: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('status', 'in', [...ACTIVE_STATUSES])
    // Dates read into JavaScript keep milliseconds; PostgreSQL keeps microseconds.
    .where(sql`date_trunc('milliseconds', updated_at)`, '=', seenUpdatedAt)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
