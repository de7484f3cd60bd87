import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// The origins allowed to embed a team's consumer portal in an iframe (CSP frame-ancestors,
// besides the portal's own); empty: none.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('teams')
    .addColumn('portal_frame_ancestors', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('teams').dropColumn('portal_frame_ancestors').execute();
}
