import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Per-webhook concurrency cap (issue 13, noisy neighbours).
// - webhooks.max_in_flight: the most attempts to this webhook in flight at once across all
//   workers, 1–50; null means the deployment's default (HERALD_WEBHOOK_MAX_IN_FLIGHT).
// - webhook_in_flight: one row per webhook that has had an attempt, locked by every acquire and
//   release (INSERT … ON CONFLICT DO UPDATE serialises them, as rate_limits does):
//   `leases` maps delivery id → lease expiry (epoch ms, Postgres' clock), so a worker that dies
//   mid-attempt frees its place when the lease expires; `hold_ms` is a moving average of how
//   long an attempt holds its lease; `next_wake_at` is the end of the queue of deliveries that
//   were refused (each refusal is woken one average hold ÷ cap after the previous one).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('max_in_flight', 'integer', (c) => c.check(sql`max_in_flight between 1 and 50`))
    .execute();
  await db.schema
    .createTable('webhook_in_flight')
    .addColumn('webhook_id', 'text', (c) => c.primaryKey().references('webhooks.id').onDelete('cascade'))
    .addColumn('leases', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('hold_ms', 'float8')
    .addColumn('next_wake_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_in_flight').execute();
  await db.schema.alterTable('webhooks').dropColumn('max_in_flight').execute();
}
