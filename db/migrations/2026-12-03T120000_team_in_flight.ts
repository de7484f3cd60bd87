import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Per-team in-flight cap (issue 22, noisy neighbours): one row per team, locked by every
// acquire and release of any of the team's webhooks' concurrency leases, before the webhook's
// own row (core/attempt/load-target.ts, core/attempt/record.ts).
// - leases: delivery id → lease expiry (epoch ms, Postgres' clock), as webhook_in_flight.leases;
// - hold_ms: moving average of how long the team's attempts hold a lease;
// - next_wake_at: end of the queue of deliveries refused because the team was at its cap.
// Every team gets its row here and when it is created (app/bootstrap-team.ts); the load
// statement's upsert creates a missing one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('team_in_flight')
    .addColumn('team_id', 'text', (c) => c.primaryKey().references('teams.id').onDelete('cascade'))
    .addColumn('leases', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('hold_ms', 'float8')
    .addColumn('next_wake_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into team_in_flight (team_id) select id from teams`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('team_in_flight').execute();
}
