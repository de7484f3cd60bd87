import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// The undispatched-event sweep records events it could not dispatch (poison), so one bad event
// is skipped instead of blocking every sweep, and is given up on after a few tries.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('dispatch_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dispatch_error', 'text')
    .execute();
  await db.schema.dropIndex('events_undispatched_idx').execute();
  await db.schema
    .createIndex('events_undispatched_idx')
    .on('events')
    .columns(['dispatch_failures', 'created_at'])
    .where(sql.ref('dispatched_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_undispatched_idx').execute();
  await db.schema
    .createIndex('events_undispatched_idx')
    .on('events')
    .column('created_at')
    .where(sql.ref('dispatched_at'), 'is', null)
    .execute();
  await db.schema.alterTable('events').dropColumn('dispatch_failures').dropColumn('dispatch_error').execute();
}
