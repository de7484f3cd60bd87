import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Webhook filters (issue 27): `filter`, the filter as the API took it (jsonb, shown back), and
// `filter_path`, the same compiled to one SQL/JSON path predicate that the publish and dispatch
// statements evaluate on the event's data. Both null: every subscribed event is delivered, as
// before. Adding nullable columns rewrites nothing.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('filter', 'jsonb').addColumn('filter_path', sql`jsonpath`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('filter').dropColumn('filter_path').execute();
}
