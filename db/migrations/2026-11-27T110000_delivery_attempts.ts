import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Every attempt record is also kept in PostgreSQL, so it outlives the workflow's history
// (namespace retention). One row per (delivery, workflow run, attempt): a retried attempt
// activity writes the same row again, never a second one. `deliveries.run_id` names the run
// whose attempts the row mirrors (a replay is a new run under the same id), and
// `deliveries.reason` keeps why it ended, as the workflow's state says it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('delivery_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_status_code', 'integer')
    .addColumn('response_headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('response_body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('error', 'jsonb')
    .addColumn('max_attempts', 'integer')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('delivery_attempts_pk', ['delivery_id', 'run_id', 'attempt'])
    .execute();
  await db.schema.alterTable('deliveries').addColumn('run_id', 'text').addColumn('reason', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').dropColumn('run_id').dropColumn('reason').execute();
  await db.schema.dropTable('delivery_attempts').execute();
}
