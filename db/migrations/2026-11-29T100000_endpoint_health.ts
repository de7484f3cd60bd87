import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Endpoint health, kept on the webhook row and written by the same statement that records each
// attempt: the streak of consecutive failures, when the endpoint last succeeded and failed, when
// its current run of failures began (`failing_since`, null after a success), exponentially
// decayed success/failure counters (half-life in the application: 1 h) and when it was disabled.
// Operational event types (`webhook.disabled`, `webhook.recovered`, `delivery.exhausted`) join
// every team's catalog: existing teams here, new teams by the trigger below.

const OPERATIONAL_TYPES: [string, string][] = [
  ['webhook.disabled', 'Herald disabled one of your webhooks after every attempt to it failed for the configured span.'],
  ['webhook.recovered', 'A webhook that had been failing answered successfully again.'],
  ['delivery.exhausted', 'A delivery used up its retry policy and failed for good.'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_failure_at', 'timestamptz')
    .addColumn('failing_since', 'timestamptz')
    .addColumn('health_successes', 'float8', (c) => c.notNull().defaultTo(0))
    .addColumn('health_failures', 'float8', (c) => c.notNull().defaultTo(0))
    .addColumn('health_updated_at', 'timestamptz')
    .addColumn('disabled_at', 'timestamptz')
    .execute();
  // Room on each page for the per-attempt health update to stay a HOT update (no index touched).
  await sql`alter table webhooks set (fillfactor = 70)`.execute(db);

  const values = sql.join(OPERATIONAL_TYPES.map(([name, description]) => sql`(${name}, ${description})`));
  await sql`
    insert into event_types (team_id, name, description, schema, archived, created_at, updated_at)
    select t.id, v.name, v.description, null, false, now(), now()
    from teams t cross join (values ${values}) as v(name, description)
    on conflict (team_id, name) do nothing
  `.execute(db);
  await sql`
    create function herald_operational_event_types() returns trigger language plpgsql as $$
    begin
      insert into event_types (team_id, name, description, schema, archived, created_at, updated_at)
      select new.id, v.name, v.description, null, false, now(), now()
      from (values ${sql.raw(OPERATIONAL_TYPES.map(([n, d]) => `('${n}', '${d.replaceAll("'", "''")}')`).join(', '))}) as v(name, description)
      on conflict (team_id, name) do nothing;
      return new;
    end $$
  `.execute(db);
  await sql`create trigger teams_operational_event_types after insert on teams for each row execute function herald_operational_event_types()`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists teams_operational_event_types on teams`.execute(db);
  await sql`drop function if exists herald_operational_event_types()`.execute(db);
  await sql`alter table webhooks reset (fillfactor)`.execute(db);
  for (const c of [
    'consecutive_failures',
    'last_success_at',
    'last_failure_at',
    'failing_since',
    'health_successes',
    'health_failures',
    'health_updated_at',
    'disabled_at',
  ]) {
    await db.schema.alterTable('webhooks').dropColumn(c).execute();
  }
}
