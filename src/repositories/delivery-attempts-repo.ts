import { type Kysely, type RawBuilder, sql } from 'kysely';
import { withoutNul as pgText } from '../delivery/state-record.js';
import type { Database } from '../db/database.js';
import type { AttemptErrorKind, AttemptRecord } from '../delivery/types.js';

/**
 * The attempt log's part of the attempt's record statement (core/attempt/record.ts): the full
 * attempt record into `delivery_attempts`, idempotent per (delivery, workflow run, attempt): a
 * retried attempt activity rewrites the same row rather than adding one, and the last execution
 * wins. NUL becomes U+FFFD (PostgreSQL refuses it in text and jsonb).
 */
export function attemptLogSql(a: { deliveryId: string; runId: string; teamId: string; record: AttemptRecord }): RawBuilder<unknown> {
  const { deliveryId, runId, teamId, record: r } = a;
  const headers = Object.fromEntries(Object.entries(r.responseHeaders).map(([k, v]) => [k, pgText(v)]));
  const error = r.error ? JSON.stringify({ kind: r.error.kind, message: pgText(r.error.message) }) : null;
  return sql`insert into delivery_attempts as d (delivery_id, run_id, attempt, id, team_id, webhook_id, address, created_at, duration_ms,
        response_status_code, response_headers, response_body, error, max_attempts, next_attempt_at)
      values (${deliveryId}, ${runId}, ${r.attempt}, ${r.id}, ${teamId}, ${r.webhookId}, ${pgText(r.address)}, ${r.createdAt}::timestamptz, ${r.durationMs},
        ${r.responseStatusCode}, ${JSON.stringify(headers)}::jsonb, ${pgText(r.responseBody)}, ${error}::jsonb, ${r.maxAttempts}, ${r.nextAttemptAt}::timestamptz)
      on conflict (delivery_id, run_id, attempt) do update set
        id = excluded.id, webhook_id = excluded.webhook_id, address = excluded.address, created_at = excluded.created_at,
        duration_ms = excluded.duration_ms, response_status_code = excluded.response_status_code,
        response_headers = excluded.response_headers, response_body = excluded.response_body, error = excluded.error,
        max_attempts = excluded.max_attempts, next_attempt_at = excluded.next_attempt_at, recorded_at = now()`;
}

/** The attempt records of one run of a delivery, in order, shaped as the workflow's state has them. */
export async function findAttempts(db: Kysely<Database>, deliveryId: string, runId: string): Promise<AttemptRecord[]> {
  const rows = await db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .where('run_id', '=', runId)
    .orderBy('attempt')
    .execute();
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
