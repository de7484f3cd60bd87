import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, DeliveryRow } from '../db/database.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewDelivery {
  id: string;
  teamId: string;
  eventId: string;
  webhookId: string;
  eventType: string;
}

/** One statement for a whole fan-out batch; a re-run dispatch inserts nothing twice. */
export async function insertPendingDeliveries(db: Db, rows: NewDelivery[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto('deliveries')
    .values(rows.map((r) => ({ id: r.id, team_id: r.teamId, event_id: r.eventId, webhook_id: r.webhookId, event_type: r.eventType, status: 'pending', created_at: new Date(), updated_at: new Date() })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export interface DeliveryProgress {
  status: string;
  attempts?: number;
  lastStatusCode?: number | null;
  lastError?: string | null;
  lastAttemptAt?: Date | null;
  nextAttemptAt?: Date | null;
  /** Why it ended as failed or cancelled (null while it runs or once it succeeded). */
  reason?: string | null;
  /** The workflow run that wrote this (delivery_attempts of that run are the row's attempts). */
  runId?: string;
}

/** Mirrors a delivery's state for listing and live figures; the workflow stays the source of truth. */
export async function recordDeliveryProgress(db: Db, id: string, p: DeliveryProgress): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({
      status: p.status,
      attempts: p.attempts,
      last_status_code: p.lastStatusCode,
      last_error: p.lastError,
      last_attempt_at: p.lastAttemptAt,
      next_attempt_at: p.nextAttemptAt,
      reason: p.reason,
      run_id: p.runId,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * A replay's new run has started: the row mirrors it from now on, pending with no attempts,
 * unless the new run has already written the row itself (its first attempt can beat this call).
 */
export async function resetForReplay(db: Db, id: string, runId: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: null, last_error: null, reason: null, run_id: runId, updated_at: new Date() })
    .where('id', '=', id)
    .where('run_id', 'is distinct from', runId)
    .execute();
}

/**
 * Mirrors a workflow that closed without writing its row (terminated, cancelled or deleted from
 * the Temporal UI): only while the row still says pending or retrying and nobody wrote it since
 * it was read (`seenUpdatedAt`). Returns whether it changed the row.
 */
export async function settleDelivery(db: Db, id: string, seenUpdatedAt: Date, status: string, reason: string | null): Promise<boolean> {
  const r = await db
    .updateTable('deliveries')
    .set({ status, reason, last_error: reason, next_attempt_at: null, updated_at: new Date() })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'retrying'])
    // Dates read into JavaScript keep milliseconds; PostgreSQL keeps microseconds.
    .where(sql`date_trunc('milliseconds', updated_at)`, '=', seenUpdatedAt)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function findDelivery(db: Db, teamId: string, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('deliveries').selectAll().where('team_id', '=', teamId).where('id', '=', id).executeTakeFirst();
}

/** Seed 001's live figures for one webhook. */
export async function webhookStats(db: Db, webhookId: string) {
  const counts = await db
    .selectFrom('deliveries')
    .select([
      sql<number>`count(*) filter (where status = 'pending')`.as('queue'),
      sql<number>`count(*) filter (where status = 'retrying')`.as('retry'),
    ])
    .where('webhook_id', '=', webhookId)
    .where('status', 'in', ['pending', 'retrying'])
    .executeTakeFirstOrThrow();
  const latest = await db
    .selectFrom('deliveries')
    .select(['id', 'status', 'attempts', 'last_status_code', 'last_error', 'last_attempt_at'])
    .where('webhook_id', '=', webhookId)
    .where('last_attempt_at', 'is not', null)
    .orderBy('last_attempt_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    queueLength: Number(counts.queue),
    retryQueueLength: Number(counts.retry),
    latestRun: latest
      ? {
          deliveryId: latest.id,
          status: latest.status,
          attempts: latest.attempts,
          responseStatusCode: latest.last_status_code,
          error: latest.last_error,
          at: latest.last_attempt_at!.toISOString(),
        }
      : null,
  };
}
