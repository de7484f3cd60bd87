import { type Kysely, type RawBuilder, sql } from 'kysely';
import { withoutNul as pgText } from '../delivery/state-record.js';
import type { Database } from '../db/database.js';
import type { AttemptErrorKind, AttemptRecord } from '../delivery/types.js';

/**
 * The attempt log's part of the attempt's record statement (core/attempt/record.ts): the full
 * attempt record into `delivery_attempts`, idempotent per (delivery, workflow run, attempt): a
 * retried attempt activity rewrites the same row rather than adding one, and the last execution
 * wins. With it, the attempt's decided outcome (`status`, `reason`): what a re-run of the same
 * attempt answers instead of sending again (findRecordedOutcome). NUL becomes U+FFFD
 * (PostgreSQL refuses it in text and jsonb).
 */
export function attemptLogSql(a: {
  deliveryId: string;
  runId: string;
  teamId: string;
  record: AttemptRecord;
  outcome: RecordedOutcome;
  /** What the attempt sent, masked (delivery/shown-request-headers.ts); null: nothing sent. Kept here only, not in workflow state. */
  requestHeaders: Record<string, string> | null;
}): RawBuilder<unknown> {
  const { deliveryId, runId, teamId, record: r, outcome } = a;
  const sent =
    a.requestHeaders === null
      ? null
      : JSON.stringify(Object.fromEntries(Object.entries(a.requestHeaders).map(([k, v]) => [pgText(k), pgText(v)])));
  const headers = Object.fromEntries(Object.entries(r.responseHeaders).map(([k, v]) => [k, pgText(v)]));
  const error = r.error ? JSON.stringify({ kind: r.error.kind, message: pgText(r.error.message) }) : null;
  return sql`insert into delivery_attempts as d (delivery_id, run_id, attempt, id, team_id, webhook_id, address, created_at, duration_ms,
        response_status_code, response_headers, response_body, error, max_attempts, next_attempt_at, status, reason, transformation_version, auth_kind,
        request_headers)
      values (${deliveryId}, ${runId}, ${r.attempt}, ${r.id}, ${teamId}, ${r.webhookId}, ${pgText(r.address)}, ${r.createdAt}::timestamptz, ${r.durationMs},
        ${r.responseStatusCode}, ${JSON.stringify(headers)}::jsonb, ${pgText(r.responseBody)}, ${error}::jsonb, ${r.maxAttempts}, ${r.nextAttemptAt}::timestamptz,
        ${outcome.status}, ${outcome.reason === null ? null : pgText(outcome.reason)}, ${r.transformationVersion ?? null}::int, ${r.auth ?? null},
        ${sent}::jsonb)
      on conflict (delivery_id, run_id, attempt) do update set
        id = excluded.id, webhook_id = excluded.webhook_id, address = excluded.address, created_at = excluded.created_at,
        duration_ms = excluded.duration_ms, response_status_code = excluded.response_status_code,
        response_headers = excluded.response_headers, response_body = excluded.response_body, error = excluded.error,
        max_attempts = excluded.max_attempts, next_attempt_at = excluded.next_attempt_at, status = excluded.status,
        reason = excluded.reason, transformation_version = excluded.transformation_version, auth_kind = excluded.auth_kind,
        request_headers = excluded.request_headers, recorded_at = now()`;
}

/** An attempt's decided outcome as its record keeps it. */
export interface RecordedOutcome {
  status: 'succeeded' | 'failed' | 'retrying';
  /** The reason's text when it failed; null otherwise. */
  reason: string | null;
}

/** A recorded attempt with its outcome, as a re-run of it answers. */
export interface RecordedAttempt extends RecordedOutcome {
  record: AttemptRecord;
}

/**
 * A CTE body: the record of attempt (delivery, run, attempt) if it was recorded with its outcome
 * (no row when it was not, or was recorded before outcomes were kept). A primary-key probe.
 */
export function recordedAttemptSql(deliveryId: string, runId: string, attempt: number): RawBuilder<unknown> {
  return sql`select * from delivery_attempts where delivery_id = ${deliveryId} and run_id = ${runId}
      and attempt = ${attempt}::int and status is not null`;
}

/** A row of `recordedAttemptSql` (as jsonb, so timestamps are ISO text) shaped as the workflow's state has it. */
export function toRecordedAttempt(row: RecordedAttemptJson): RecordedAttempt {
  return { status: row.status, reason: row.reason, record: attemptRecordOf(row) };
}

/** `to_jsonb` of a `delivery_attempts` row with an outcome. */
export interface RecordedAttemptJson {
  id: string;
  attempt: number;
  webhook_id: string;
  address: string;
  created_at: string;
  duration_ms: number;
  response_status_code: number | null;
  response_headers: Record<string, string>;
  response_body: string;
  error: { kind: string; message: string } | null;
  max_attempts: number | null;
  next_attempt_at: string | null;
  status: RecordedOutcome['status'];
  reason: string | null;
  transformation_version: number | null;
  auth_kind: string | null;
  request_headers?: Record<string, string> | null;
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
  return rows.map((r) => attemptRecordOf(r, true));
}

/** A `delivery_attempts` row, as selected (timestamps as Date) or as `to_jsonb` gives it (ISO text). */
type AttemptRow = Omit<RecordedAttemptJson, 'created_at' | 'next_attempt_at' | 'status' | 'reason'> & {
  created_at: Date | string;
  next_attempt_at: Date | string | null;
};

/** A `delivery_attempts` row shaped as the workflow's state has the record. */
function attemptRecordOf(r: AttemptRow, withRequestHeaders = false): AttemptRecord {
  return {
    id: r.id,
    attempt: r.attempt,
    webhookId: r.webhook_id,
    address: r.address,
    createdAt: new Date(r.created_at).toISOString(),
    durationMs: r.duration_ms,
    responseStatusCode: r.response_status_code,
    responseHeaders: r.response_headers,
    responseBody: r.response_body,
    error: r.error ? { kind: r.error.kind as AttemptErrorKind, message: r.error.message } : null,
    maxAttempts: r.max_attempts,
    nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at).toISOString(),
    ...(r.transformation_version === null ? {} : { transformationVersion: r.transformation_version }),
    ...(r.auth_kind === null || r.auth_kind === undefined ? {} : { auth: r.auth_kind as NonNullable<AttemptRecord['auth']> }),
    // Only for readers: a re-run's answer goes into workflow state, which never holds them.
    ...(withRequestHeaders && r.request_headers ? { requestHeaders: r.request_headers } : {}),
  };
}
