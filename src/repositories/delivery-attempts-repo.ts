import { type Kysely, sql } from 'kysely';
import { withoutNul as pgText } from '../activities/state-record.js';
import type { Database } from '../db/database.js';
import type { AttemptErrorKind, AttemptRecord } from '../delivery/types.js';
import type { DeliveryProgress } from './deliveries-repo.js';
import { HOLD_EWMA_WEIGHT } from '../activities/in-flight-cap.js';


/**
 * The record stage of an attempt in one statement (one round trip): the attempt record goes to
 * `delivery_attempts` and the delivery's row is updated, together or not at all.
 * Idempotent per (delivery, workflow run, attempt): a retried attempt activity rewrites the same
 * row rather than adding one, and the last execution wins, as it does in the deliveries row and
 * in the workflow (which keeps the result of the execution that completed).
 * The same statement releases the delivery's place under its webhook's concurrency cap
 * (load-target.ts) and feeds `holdMs` (how long it held the place) into the webhook's average.
 */
export async function recordAttempt(
  db: Kysely<Database>,
  a: { deliveryId: string; runId: string; teamId: string; record: AttemptRecord; progress: DeliveryProgress & { attempts: number }; holdMs: number },
): Promise<void> {
  const { deliveryId, runId, teamId, record: r, progress: p } = a;
  const holdMs = Math.max(0, a.holdMs);
  const headers = Object.fromEntries(Object.entries(r.responseHeaders).map(([k, v]) => [k, pgText(v)]));
  const error = r.error ? JSON.stringify({ kind: r.error.kind, message: pgText(r.error.message) }) : null;
  // Fixed text: prepared once per connection (create-db.ts).
  await sql`/*prepare*/
    with attempt as (
      insert into delivery_attempts as d (delivery_id, run_id, attempt, id, team_id, webhook_id, address, created_at, duration_ms,
        response_status_code, response_headers, response_body, error, max_attempts, next_attempt_at)
      values (${deliveryId}, ${runId}, ${r.attempt}, ${r.id}, ${teamId}, ${r.webhookId}, ${pgText(r.address)}, ${r.createdAt}::timestamptz, ${r.durationMs},
        ${r.responseStatusCode}, ${JSON.stringify(headers)}::jsonb, ${pgText(r.responseBody)}, ${error}::jsonb, ${r.maxAttempts}, ${r.nextAttemptAt}::timestamptz)
      on conflict (delivery_id, run_id, attempt) do update set
        id = excluded.id, webhook_id = excluded.webhook_id, address = excluded.address, created_at = excluded.created_at,
        duration_ms = excluded.duration_ms, response_status_code = excluded.response_status_code,
        response_headers = excluded.response_headers, response_body = excluded.response_body, error = excluded.error,
        max_attempts = excluded.max_attempts, next_attempt_at = excluded.next_attempt_at, recorded_at = now()
    ),
    released as (
      update webhook_in_flight set leases = leases - ${deliveryId}::text,
        hold_ms = coalesce(hold_ms * ${1 - HOLD_EWMA_WEIGHT}::float8 + ${holdMs}::float8 * ${HOLD_EWMA_WEIGHT}::float8, ${holdMs}::float8)
      where webhook_id = ${r.webhookId} and leases ? ${deliveryId}::text
    )
    update deliveries set status = ${p.status}, attempts = ${p.attempts}, last_status_code = ${p.lastStatusCode ?? null},
      last_error = ${p.lastError ?? null}, reason = ${p.reason ?? null}, last_attempt_at = ${p.lastAttemptAt ?? null},
      next_attempt_at = ${p.nextAttemptAt ?? null}, run_id = ${runId}, updated_at = now()
    where id = ${deliveryId}
  `.execute(db);
}

/** The attempt records of one run of a delivery, in order, shaped as the workflow's state has them. */
export async function findAttempts(db: Kysely<Database>, deliveryId: string, runId: string): Promise<AttemptRecord[]> {
  const rows = await db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).where('run_id', '=', runId).orderBy('attempt').execute();
  return rows.map((r) => ({
    id: r.id,
    attempt: r.attempt,
    webhookId: r.webhook_id,
    address: r.address,
    createdAt: r.created_at.toISOString(),
    durationMs: r.duration_ms,
    responseStatusCode: r.response_status_code,
    responseHeaders: r.response_headers,
    responseBody: r.response_body,
    error: r.error ? { kind: r.error.kind as AttemptErrorKind, message: r.error.message } : null,
    maxAttempts: r.max_attempts,
    nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
  }));
}
