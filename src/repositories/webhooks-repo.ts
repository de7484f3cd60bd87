import { type Kysely, sql, type Transaction } from 'kysely';
import { filterDocSql, passesFilterSql, storedEventDocSql, subscribesSql } from '../delivery/subscribers.js';
import type { Database, NewWebhook, WebhookRow, WebhookUpdate } from '../db/database.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function findWebhook(db: Db, teamId: string, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('team_id', '=', teamId).where('id', '=', id).executeTakeFirst();
}

export async function insertWebhook(db: Db, row: NewWebhook): Promise<WebhookRow> {
  return db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateWebhookRow(db: Db, teamId: string, id: string, patch: WebhookUpdate): Promise<WebhookRow | undefined> {
  return db
    .updateTable('webhooks')
    .set({ ...patch, updated_at: new Date() })
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The webhook's stored secrets, its row locked (FOR UPDATE) until `trx` ends: rotations of one
 * webhook queue up behind each other, so each reads the secret the one before it wrote.
 */
export async function lockWebhookSecrets(trx: Transaction<Database>, teamId: string, id: string) {
  return trx
    .selectFrom('webhooks')
    .select(['id', 'secret', 'previous_secrets'])
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Deletes the webhook, its ordering counters and its shared OAuth2 tokens (its deliveries go by the purge). */
export async function deleteWebhookRow(db: Db, teamId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('webhooks').where('team_id', '=', teamId).where('id', '=', id).executeTakeFirst();
  if (r.numDeletedRows > 0n) {
    await db.deleteFrom('delivery_sequences').where('team_id', '=', teamId).where('webhook_id', '=', id).execute();
    await db.deleteFrom('oauth_tokens').where('team_id', '=', teamId).where('webhook_id', '=', id).execute();
  }
  return r.numDeletedRows > 0n;
}

/** Locks the team row so concurrent creates cannot both pass the active-webhook limit. */
export async function lockTeamAndCountActive(trx: Transaction<Database>, teamId: string, excludeId?: string) {
  const team = await trx
    .selectFrom('teams')
    .select(['id', 'max_active_webhooks'])
    .where('id', '=', teamId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  let q = trx
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('team_id', '=', teamId)
    .where('active', '=', true);
  if (excludeId) q = q.where('id', '!=', excludeId);
  const { n } = await q.executeTakeFirstOrThrow();
  return { active: Number(n), limit: team.max_active_webhooks };
}

export interface WebhookFilter {
  eventType?: string;
  projectId?: string;
  active?: boolean;
}

export async function listWebhookRows(db: Db, teamId: string, f: WebhookFilter, page: number, pageSize: number) {
  let q = db.selectFrom('webhooks').where('team_id', '=', teamId);
  if (f.eventType) q = q.where(subscribesSql('event_types', f.eventType));
  if (f.projectId) q = q.where('project_id', '=', f.projectId);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  const [{ n }, rows] = await Promise.all([
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    q
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
  ]);
  return { rows, total: Number(n) };
}

/**
 * Active webhooks subscribed to `type` for an event in `projectId` (team-wide webhooks match
 * every project) whose filter passes the stored event `eventId`, in id order after `afterId`:
 * the dispatcher pages through these. Unordered ones only: fifo webhooks get their rows from the
 * publish statement and are started from those (fifoTargets).
 */
export async function findMatchingWebhookIds(
  db: Db,
  teamId: string,
  eventId: string,
  type: string,
  projectId: string | null,
  afterId: string | null,
  limit: number,
) {
  let q = db
    .selectFrom('webhooks')
    .select(['id', 'http_method', 'url'])
    .where('team_id', '=', teamId)
    .where('active', '=', true)
    // A fifo webhook's rows are numbered and its deliveries started by publish (insert-event-with-deliveries.ts).
    .where('ordering', '<>', 'fifo')
    .where(subscribesSql('event_types', type))
    .where(passesFilterSql('filter_path', storedEventDocSql(teamId, eventId)));
  q = projectId
    ? q.where((eb) => eb.or([eb('project_id', 'is', null), eb('project_id', '=', projectId)]))
    : q.where('project_id', 'is', null);
  if (afterId) q = q.where('id', '>', afterId);
  return q.orderBy('id', 'asc').limit(limit).execute();
}

/** Deactivates a webhook Herald stopped itself (a 410 Gone answer): inactive, with reason and time. */
export async function deactivateWebhook(db: Db, id: string, reason: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ active: false, disabled_reason: reason, disabled_at: new Date(), updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** Whether the compiled filter `filterPath` (null: none) passes an event of `type` with the JSON text `data`, as publish decides it. */
export async function filterPassesSample(db: Db, filterPath: string | null, type: string, data: string): Promise<boolean> {
  const doc = filterDocSql(sql`${type}::text`, sql`${data}::jsonb`);
  const { rows } = await sql<{
    ok: boolean;
  }>`select ${passesFilterSql('f.p', doc)} as ok from (select ${filterPath}::jsonpath as p) f`.execute(db);
  return rows[0]?.ok === true;
}
