import type { Kysely } from 'kysely';
import type { Database, WebhookRow } from '../db/database.js';

type Db = Kysely<Database>;

/**
 * Sets (or, with null, removes) a webhook's transformation: its version is raised and the new
 * version's source kept in `webhook_transformations`. Run it in the transaction of the webhook's
 * create or update. Undefined when the webhook is not the team's.
 */
export async function setTransformation(db: Db, teamId: string, webhookId: string, source: string | null): Promise<WebhookRow | undefined> {
  const row = await db
    .updateTable('webhooks')
    .set((eb) => ({ transformation: source, transformation_version: eb('transformation_version', '+', 1), updated_at: new Date() }))
    .where('team_id', '=', teamId)
    .where('id', '=', webhookId)
    .returningAll()
    .executeTakeFirst();
  if (row)
    await db.insertInto('webhook_transformations').values({ webhook_id: webhookId, version: row.transformation_version, source }).execute();
  return row;
}

/** Every version of a webhook's transformation, newest first (source null: removed at that version). */
export async function listTransformationVersions(db: Db, webhookId: string) {
  return db
    .selectFrom('webhook_transformations')
    .select(['version', 'source', 'created_at'])
    .where('webhook_id', '=', webhookId)
    .orderBy('version', 'desc')
    .execute();
}
