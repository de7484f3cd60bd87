import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Moves a held concurrency lease's expiry to `ms` from now (Postgres' clock). Used when an
 * admitted attempt waits for a rate-limit slot on a workflow timer: it keeps its place (at most
 * cap deliveries reserve slots, so such waits are short) and the lease must outlive the wait.
 * Does nothing when the delivery holds no lease.
 */
export async function extendLease(db: Kysely<Database>, webhookId: string, deliveryId: string, ms: number): Promise<void> {
  await sql`/*prepare*/
    update webhook_in_flight
    set leases = jsonb_set(leases, array[${deliveryId}::text], to_jsonb(extract(epoch from clock_timestamp()) * 1000 + ${Math.max(0, Math.round(ms))}::float8))
    where webhook_id = ${webhookId} and leases ? ${deliveryId}::text
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
