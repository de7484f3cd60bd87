import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Ordered delivery (issue 26): `webhooks.ordering` ('none' | 'fifo') and
// `webhooks.block_on_failure`; `events.ordering_key` as published (null: none);
// `deliveries.ordering_key` and `deliveries.sequence`, set on a fifo webhook's deliveries only
// (the key, '' for the webhook's default sequence; 1, 2, 3 … per webhook and key, assigned in the
// publish statement); `delivery_sequences`, the last number given per (webhook, key), whose row
// lock orders concurrent publishes. Defaults and nullable columns only: nothing is rewritten.
// The index on deliveries is the next migration's (built concurrently).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('ordering', 'text', (c) => c.notNull().defaultTo('none').check(sql`ordering in ('none', 'fifo')`))
    .addColumn('block_on_failure', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema.alterTable('events').addColumn('ordering_key', 'text').execute();
  await db.schema.alterTable('deliveries').addColumn('ordering_key', 'text').addColumn('sequence', 'bigint').execute();
  await db.schema
    .createTable('delivery_sequences')
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('ordering_key', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('last_sequence', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_sequences_pkey', ['webhook_id', 'ordering_key'])
    .execute();
  // The publish statement looks up a team's fifo webhooks on every publish: free for teams with none.
  await sql`create index webhooks_fifo_idx on webhooks (team_id) where ordering = 'fifo'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists webhooks_fifo_idx`.execute(db);
  await db.schema.dropTable('delivery_sequences').execute();
  await db.schema.alterTable('deliveries').dropColumn('ordering_key').dropColumn('sequence').execute();
  await db.schema.alterTable('events').dropColumn('ordering_key').execute();
  await db.schema.alterTable('webhooks').dropColumn('ordering').dropColumn('block_on_failure').execute();
}
