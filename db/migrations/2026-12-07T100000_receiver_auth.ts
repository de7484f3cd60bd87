import type { Kysely } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Receiver authentication and egress (issue 25): `webhooks.auth`, the receiver credentials as
// JSON (their non-secret fields in clear, the secret ones in one sealed envelope; null: none),
// `webhooks.egress_proxy`, JSON (null: the deployment's HERALD_EGRESS_PROXY; `{ mode: 'direct' }`:
// none; `{ mode: 'proxy', shown, sealed }`: a proxy of its own, its URL sealed since it may carry
// credentials, `shown` the URL with them masked), and `delivery_attempts.auth_kind`, the kind an
// attempt authenticated with (null: none). Nullable columns only: nothing is rewritten.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('auth', 'jsonb').addColumn('egress_proxy', 'jsonb').execute();
  await db.schema.alterTable('delivery_attempts').addColumn('auth_kind', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').dropColumn('auth_kind').execute();
  await db.schema.alterTable('webhooks').dropColumn('auth').dropColumn('egress_proxy').execute();
}
