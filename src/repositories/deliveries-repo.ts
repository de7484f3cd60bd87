import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, DeliveryRow } from '../db/database.js';

type Db = Kysely<Database> | Transaction<Database>;

// Rows are written by core/delivery-status.ts only; this module reads.

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
