import { type Kysely, type RawBuilder, sql } from 'kysely';
import { HOLD_EWMA_WEIGHT } from '../delivery/in-flight-cap.js';
import type { Database } from '../db/database.js';

/**
 * The concurrency cap's part of the attempt's record statement (core/attempt/record.ts): releases
 * the delivery's place under its webhook's cap (load-target.ts) and feeds `holdMs` (how long it
 * held the place, ms) into the webhook's average hold. A retried execution finds no lease and
 * releases nothing. Returns one row per release, so the team's release can run after it (lock
 * order of team-in-flight-repo.ts).
 */
export function releaseLeaseSql(webhookId: string, deliveryId: string, holdMs: number): RawBuilder<unknown> {
  const ms = Math.max(0, holdMs);
  return sql`update webhook_in_flight set leases = leases - ${deliveryId}::text,
        hold_ms = coalesce(hold_ms * ${1 - HOLD_EWMA_WEIGHT}::float8 + ${ms}::float8 * ${HOLD_EWMA_WEIGHT}::float8, ${ms}::float8)
      where webhook_id = ${webhookId} and leases ? ${deliveryId}::text
      returning 1`;
}

/**
 * Moves a held concurrency lease's expiry, the webhook's and the team's, to `ms` from now
 * (Postgres' clock). Used when an admitted attempt waits for a rate-limit slot on a workflow
 * timer: it keeps its place (at most cap deliveries reserve slots, so such waits are short) and
 * the lease must outlive the wait. The webhook's row first (lock order of team-in-flight-repo.ts).
 * Does nothing where the delivery holds no lease.
 */
export async function extendLease(
  db: Kysely<Database>,
  lease: { teamId: string; webhookId: string; deliveryId: string },
  ms: number,
): Promise<void> {
  const { teamId, webhookId, deliveryId } = lease;
  const expiry = sql`to_jsonb(extract(epoch from clock_timestamp()) * 1000 + ${Math.max(0, Math.round(ms))}::float8)`;
  await sql`/*prepare*/
    with hook as (
      update webhook_in_flight set leases = jsonb_set(leases, array[${deliveryId}::text], ${expiry})
      where webhook_id = ${webhookId} and leases ? ${deliveryId}::text
      returning 1
    )
    update team_in_flight
    set leases = jsonb_set(leases, array[${deliveryId}::text], ${expiry})
    where team_id = ${teamId} and leases ? ${deliveryId}::text and (select count(*) from hook) >= 0
  `.execute(db);
}

/** Unexpired leases of a webhook (delivery ids); for tests and operators. */
export async function heldLeases(db: Kysely<Database>, webhookId: string): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select x.key from webhook_in_flight f, jsonb_each_text(f.leases) x
    where f.webhook_id = ${webhookId} and x.value::float8 > extract(epoch from clock_timestamp()) * 1000
  `.execute(db);
  return rows.map((r) => r.key);
}
