import { type Kysely, type RawBuilder, sql } from 'kysely';
import { HOLD_EWMA_WEIGHT } from '../delivery/in-flight-cap.js';
import type { Database } from '../db/database.js';

/**
 * The per-team in-flight cap's rows: one per team (`team_in_flight`), holding the leases of all
 * the team's attempts in flight (delivery id → expiry). The attempt's load statement takes the
 * lease (core/attempt/load-target.ts); the record statement releases it. Lock order, to rule
 * out deadlocks: a statement that touches both a team's row and one of its webhooks' rows
 * (`webhook_in_flight`) locks the webhook's row first.
 */

/** The team's row, created with the team (app/bootstrap-team.ts; the load statement's upsert creates a missing one). Does nothing if it exists. */
export async function insertTeamInFlight(db: Kysely<Database>, teamId: string): Promise<void> {
  await db
    .insertInto('team_in_flight')
    .values({ team_id: teamId })
    .onConflict((c) => c.column('team_id').doNothing())
    .execute();
}

/**
 * The record statement's release of the team's lease (core/attempt/record.ts), feeding `holdMs`
 * (ms) into the team's average hold. `after`: the name of the statement's CTE that releases the
 * webhook's lease (webhook-in-flight-repo.ts releaseLeaseSql); it runs first (lock order above).
 * A retried execution finds no lease and releases nothing.
 */
export function releaseTeamLeaseSql(teamId: string, deliveryId: string, holdMs: number, after: string): RawBuilder<unknown> {
  const ms = Math.max(0, holdMs);
  return sql`update team_in_flight set leases = leases - ${deliveryId}::text,
        hold_ms = coalesce(hold_ms * ${1 - HOLD_EWMA_WEIGHT}::float8 + ${ms}::float8 * ${HOLD_EWMA_WEIGHT}::float8, ${ms}::float8)
      where team_id = ${teamId} and leases ? ${deliveryId}::text and (select count(*) from ${sql.raw(after)}) >= 0`;
}

/** Unexpired leases of a team (delivery ids); for tests and operators. */
export async function heldTeamLeases(db: Kysely<Database>, teamId: string): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select x.key from team_in_flight f, jsonb_each_text(f.leases) x
    where f.team_id = ${teamId} and x.value::float8 > extract(epoch from clock_timestamp()) * 1000
  `.execute(db);
  return rows.map((r) => r.key);
}
