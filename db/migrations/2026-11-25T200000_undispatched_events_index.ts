import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// The sweeper looks for events stored but never handed to Temporal (an API process died
// between the insert and the workflow starts); a partial index keeps that lookup tiny.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('events_undispatched_idx')
    .on('events')
    .column('created_at')
    .where(sql.ref('dispatched_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_undispatched_idx').execute();
}
