import type { Kysely } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// `delivery_attempts.request_headers`: the headers an attempt sent, secrets masked
// (delivery/shown-request-headers.ts); null: recorded before this, or nothing was sent.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').addColumn('request_headers', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').dropColumn('request_headers').execute();
}
