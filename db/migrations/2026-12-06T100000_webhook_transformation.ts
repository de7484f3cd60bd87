import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Webhook transformations (issue 27): `transformation`, the JavaScript source run at attempt time
// (null: the event is sent as it is), and `transformation_version`, raised by every change
// (setting, editing or removing it), which the attempt record names. Every version's source is
// kept in `webhook_transformations` (deleted with its webhook), so a record's version can be read
// back; `delivery_attempts.transformation_version` is the version an attempt ran (null: none).
// Adding nullable columns and one with a constant default rewrites nothing.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('transformation', 'text')
    .addColumn('transformation_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('delivery_attempts').addColumn('transformation_version', 'integer').execute();
  await db.schema
    .createTable('webhook_transformations')
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_transformations_pkey', ['webhook_id', 'version'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_transformations').execute();
  await db.schema.alterTable('delivery_attempts').dropColumn('transformation_version').execute();
  await db.schema.alterTable('webhooks').dropColumn('transformation').dropColumn('transformation_version').execute();
}
