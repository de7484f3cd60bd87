import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// webhooks.previous_secrets: up to 5 previous signing secrets, newest first, each
// `{"secret": <as stored: sealed or in clear>, "expiresAt": <ISO 8601>}`, replacing the single
// previous_secret / previous_secret_expires_at pair, which moves in as the one entry. The old pair
// is emptied but left in place (expand, then contract in a later release): a process of the
// previous release still running during a rolling upgrade reads and writes it without failing,
// and no second copy of a sealed secret is left behind for re-encryption to miss.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('previous_secrets', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await sql`
    update webhooks set previous_secrets = jsonb_build_array(jsonb_build_object(
      'secret', previous_secret,
      'expiresAt', to_char(previous_secret_expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
    where previous_secret is not null and previous_secret_expires_at is not null
  `.execute(db);
  await sql`update webhooks set previous_secret = null, previous_secret_expires_at = null where previous_secret is not null`.execute(db);
}

/** Keeps the newest previous secret only (the others are lost). */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update webhooks set previous_secret = previous_secrets -> 0 ->> 'secret',
      previous_secret_expires_at = (previous_secrets -> 0 ->> 'expiresAt')::timestamptz
    where jsonb_array_length(previous_secrets) > 0
  `.execute(db);
  await db.schema.alterTable('webhooks').dropColumn('previous_secrets').execute();
}
