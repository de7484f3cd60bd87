import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// webhooks.previous_secrets: up to 5 previous signing secrets, newest first, each
// `{"secret": <as stored: sealed or in clear>, "expiresAt": <ISO 8601>}`, replacing the single
// previous_secret / previous_secret_expires_at pair, which moves in as the one entry.

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
  await db.schema.alterTable('webhooks').dropColumn('previous_secret').dropColumn('previous_secret_expires_at').execute();
}

/** Keeps the newest previous secret only (the others are lost). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .execute();
  await sql`
    update webhooks set previous_secret = previous_secrets -> 0 ->> 'secret',
      previous_secret_expires_at = (previous_secrets -> 0 ->> 'expiresAt')::timestamptz
    where jsonb_array_length(previous_secrets) > 0
  `.execute(db);
  await db.schema.alterTable('webhooks').dropColumn('previous_secrets').execute();
}
