import type { Kysely } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// OAuth2 client-credentials tokens shared by every worker process (issue 25): one row per
// (webhook, credential fingerprint), the token sealed like signing secrets, `token_hash` (SHA-256
// hex) to drop exactly the token a receiver refused, `renew_at` when a worker must fetch anew.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_tokens')
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('renew_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_tokens_pkey', ['webhook_id', 'fingerprint'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oauth_tokens').execute();
}
