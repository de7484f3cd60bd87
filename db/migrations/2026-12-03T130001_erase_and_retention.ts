import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Erasing and retention:
// - events.payload_erased_at: set by events.erasePayload, which also clears `data` and `data_raw`;
//   the presence check now also accepts an erased row.
// - teams.retention_days: the team's retention of events, deliveries and attempt records in days;
//   null: HERALD_RETENTION_DAYS.
// - webhook_purges: webhooks deleted whose deliveries' attempt records still wait to be redacted
//   (the retention job works through them in batches, keyset on the delivery id).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table events
    add column payload_erased_at timestamptz,
    drop constraint events_data_present,
    add constraint events_data_present check (data is not null or data_raw is not null or payload_erased_at is not null) not valid`.execute(
    db,
  );
  await db.schema.alterTable('teams').addColumn('retention_days', 'integer').execute();
  await db.schema
    .createTable('webhook_purges')
    .addColumn('webhook_id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('deleted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('after_delivery_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_purges').execute();
  await db.schema.alterTable('teams').dropColumn('retention_days').execute();
  await sql`update events set data_raw = '{}' where payload_erased_at is not null and data is null and data_raw is null`.execute(db);
  await sql`alter table events
    drop constraint events_data_present,
    drop column payload_erased_at,
    add constraint events_data_present check (data is not null or data_raw is not null) not valid`.execute(db);
}
