import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { REDACTED_ERROR_MESSAGE } from '../delivery/redact-attempt.js';

type Db = Kysely<Database> | Transaction<Database>;

/** After a pass over every delivery of a deleted webhook, how long its purge stays for a last pass (attempts on the wire at delete time record late). */
export const PURGE_GRACE_MS = 5 * 60_000;

/** redactAddress (delivery/redact-attempt.ts) in SQL: scheme and host kept, the rest `***`. */
const REDACTED_ADDRESS_SQL = sql<string>`case when a.address ~ '^[A-Za-z][A-Za-z0-9+.-]*://'
  then regexp_replace(a.address, '^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#]*@)?([^/?#@]*).*$', '\\1\\2/***') else '***' end`;

/** Records a deleted webhook for the purge of its attempt records (with the delete, in its transaction). */
export async function insertWebhookPurge(db: Db, teamId: string, webhookId: string): Promise<void> {
  await db
    .insertInto('webhook_purges')
    .values({ webhook_id: webhookId, team_id: teamId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export interface PurgeStep {
  /** Deliveries looked at. */
  deliveries: number;
  /** Attempt records redacted (already redacted ones are not counted). */
  redacted: number;
  /** The purge is finished and its row removed. */
  done: boolean;
}

/**
 * One batch of a deleted webhook's purge: the attempt records of its next `limit` deliveries
 * (keyset on the delivery id) are redacted at rest: address cut to its origin, response headers
 * and body emptied, error message dropped (its kind kept). Deliveries rows are not changed (no
 * status write). A pass that reaches the end starts over while the webhook still has deliveries
 * in flight or was deleted less than PURGE_GRACE_MS ago; otherwise the purge row is removed.
 */
export async function purgeWebhookBatch(db: Kysely<Database>, webhookId: string, limit: number): Promise<PurgeStep> {
  const purge = await db.selectFrom('webhook_purges').selectAll().where('webhook_id', '=', webhookId).executeTakeFirst();
  if (!purge) return { deliveries: 0, redacted: 0, done: true };
  const { rows } = await sql<{ picked: string; last: string | null; redacted: string }>`
    with picked as (
      select id from deliveries where webhook_id = ${webhookId} and team_id = ${purge.team_id} and id > ${purge.after_delivery_id}
      order by id limit ${limit}
    ),
    red as (
      update delivery_attempts a set address = ${REDACTED_ADDRESS_SQL}, response_body = '', response_headers = '{}'::jsonb,
        error = case when a.error is null then null else jsonb_build_object('kind', a.error ->> 'kind', 'message', ${REDACTED_ERROR_MESSAGE}::text) end
      from picked p
      where a.delivery_id = p.id
        and (a.response_body <> '' or a.response_headers <> '{}'::jsonb or a.address <> ${REDACTED_ADDRESS_SQL}
             or (a.error is not null and a.error ->> 'message' is distinct from ${REDACTED_ERROR_MESSAGE}::text))
      returning 1
    )
    select (select count(*) from picked) as picked, (select max(id) from picked) as last, (select count(*) from red) as redacted
  `.execute(db);
  const r = rows[0]!;
  const picked = Number(r.picked);
  const step = { deliveries: picked, redacted: Number(r.redacted) };
  if (picked === limit && r.last) {
    await db.updateTable('webhook_purges').set({ after_delivery_id: r.last }).where('webhook_id', '=', webhookId).execute();
    return { ...step, done: false };
  }
  // The end of a pass: finished unless something may still write an attempt record.
  const finished = await db
    .deleteFrom('webhook_purges')
    .where('webhook_id', '=', webhookId)
    .where('deleted_at', '<', new Date(Date.now() - PURGE_GRACE_MS))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('deliveries')
            .select(sql`1`.as('one'))
            .where('webhook_id', '=', webhookId)
            .where('status', 'in', ['pending', 'retrying']),
        ),
      ),
    )
    .executeTakeFirst();
  if (finished.numDeletedRows > 0n) return { ...step, done: true };
  await db.updateTable('webhook_purges').set({ after_delivery_id: '' }).where('webhook_id', '=', webhookId).execute();
  return { ...step, done: false };
}

/** The deleted webhooks still being purged, oldest first. */
export async function pendingPurges(db: Kysely<Database>, max: number): Promise<string[]> {
  const rows = await db.selectFrom('webhook_purges').select('webhook_id').orderBy('deleted_at').limit(max).execute();
  return rows.map((r) => r.webhook_id);
}
