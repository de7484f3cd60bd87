import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// API keys get a scope: `admin` (everything), `publish` (events.publish only) or `read` (gets
// and lists). Every key that exists when this runs becomes `admin`, which is what it could do
// before scopes existed; new keys are `admin` unless created with another scope.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo('admin').check(sql`scope in ('admin', 'publish', 'read')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('scope').execute();
}
