import { type Kysely, sql } from 'kysely';
import { withoutNul as pgText } from '../activities/state-record.js';
import type { Database } from '../db/database.js';
import type { AttemptErrorKind, AttemptRecord } from '../delivery/types.js';
import { operationalEventId } from '../catalogs/operational-events.js';
import { HEALTH_HALF_LIFE_MS, type HealthVerdict, RECOVERED_AFTER_FAILURES } from '../delivery/endpoint-health.js';
import type { DeliveryProgress } from './deliveries-repo.js';
import type { MatchedWebhook } from './publish-repo.js';
import { HOLD_EWMA_WEIGHT } from '../activities/in-flight-cap.js';


/**
 * What the attempt means for its endpoint's health (null: nothing about the endpoint, e.g. a data
 * error) and which operational events it may raise. See delivery/endpoint-health.ts and
 * catalogs/operational-events.ts for the rules; this only carries them into the statement.
 */
export interface AttemptHealth {
  verdict: HealthVerdict;
  /** 0 = never disable automatically. */
  disableAfterFailingMs: number;
  /** Recorded as `disabled_reason` if this attempt disables the webhook. */
  disableReason: string;
  /** The webhook URL for operational payloads, already redacted. */
  redactedUrl: string;
  /** The delivery ended `failed` because its retry policy was used up, and it may be reported (not an operational event or a ping). */
  exhausted: boolean;
  eventId: string;
  eventType: string;
}

/** An operational event this attempt raised (inserted with its pending delivery rows), to be started. */
export interface RaisedEvent {
  id: string;
  type: string;
  project_id: string | null;
  created_at: string;
  hooks: MatchedWebhook[];
}

/**
 * The record stage of an attempt in one statement (one round trip): the attempt record goes to
 * `delivery_attempts`, the delivery's row is updated, and the webhook's health is updated, all
 * together or not at all. The same statement disables the webhook when every attempt to it
 * failed for `disableAfterFailingMs`, and inserts the operational events the attempt raises
 * (`webhook.disabled`, `webhook.recovered`, `delivery.exhausted`) with the pending delivery rows
 * of their subscribers, the way events.publish does: the event can then never be lost, only
 * late (the undispatched sweep starts what the caller could not).
 *
 * Idempotent per (delivery, workflow run, attempt): a retried attempt activity rewrites the same
 * row rather than adding one, and the last execution wins, as it does in the deliveries row and
 * in the workflow (which keeps the result of the execution that completed). A retried execution
 * counts once more in the health counters (at least once, like the send itself); its operational
 * events are not raised twice: `delivery.exhausted` has an id derived from the delivery and run,
 * and the disable and recovery transitions have already happened.
 *
 * The same statement also releases the delivery's place under its webhook's concurrency cap
 * (load-target.ts) and feeds `holdMs` (how long it held the place, ms) into the webhook's average
 * hold; a retried execution finds no lease and releases nothing.
 */
export async function recordAttempt(
  db: Kysely<Database>,
  a: { deliveryId: string; runId: string; teamId: string; record: AttemptRecord; progress: DeliveryProgress & { attempts: number }; health: AttemptHealth; holdMs: number },
): Promise<RaisedEvent[]> {
  const { deliveryId, runId, teamId, record: r, progress: p, health: hl } = a;
  const holdMs = Math.max(0, a.holdMs);
  const headers = Object.fromEntries(Object.entries(r.responseHeaders).map(([k, v]) => [k, pgText(v)]));
  const error = r.error ? JSON.stringify({ kind: r.error.kind, message: pgText(r.error.message) }) : null;
  const track = hl.verdict !== null;
  const ok = hl.verdict === 'success';
  const at = sql`${r.createdAt}::timestamptz`;
  // A failure that started before an already recorded success is stale: it counts in the rates
  // but neither extends nor starts a run of failures.
  const stale = sql`(not ${ok}::boolean and w.last_success_at is not null and w.last_success_at > ${at})`;
  const decay = sql`power(0.5, greatest(0, extract(epoch from (now() - coalesce(w.health_updated_at, now())))) / ${HEALTH_HALF_LIFE_MS / 1000}::float8)`;
  const disable = sql`(not ${ok}::boolean and w.active and ${hl.disableAfterFailingMs}::float8 > 0 and not ${stale}
    and coalesce(w.failing_since, ${at}) <= ${at} - ${hl.disableAfterFailingMs}::float8 * interval '1 millisecond')`;
  const iso = (x: ReturnType<typeof sql>) => sql`to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const lastError = p.lastError ?? null;
  const idOf = (kind: string, key: string) => operationalEventId(kind, key);
  // Fixed text: prepared once per connection (create-db.ts).
  const { rows } = await sql<{ raised: RaisedEvent[] | null }>`/*prepare*/
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
    ), progress as (
      update deliveries set status = ${p.status}, attempts = ${p.attempts}, last_status_code = ${p.lastStatusCode ?? null},
        last_error = ${lastError}, reason = ${p.reason ?? null}, last_attempt_at = ${p.lastAttemptAt ?? null},
        next_attempt_at = ${p.nextAttemptAt ?? null}, run_id = ${runId}, updated_at = now()
      where id = ${deliveryId}
    ), released as (
      update webhook_in_flight set leases = leases - ${deliveryId}::text,
        hold_ms = coalesce(hold_ms * ${1 - HOLD_EWMA_WEIGHT}::float8 + ${holdMs}::float8 * ${HOLD_EWMA_WEIGHT}::float8, ${holdMs}::float8)
      where webhook_id = ${r.webhookId} and leases ? ${deliveryId}::text
    ), old as (
      -- Locked first, so "before" below is the very version the update changes.
      select id, active, consecutive_failures, failing_since from webhooks
      where id = ${r.webhookId} and team_id = ${teamId} and ${track}::boolean for update
    ), health as (
      update webhooks w set
        consecutive_failures = case when ${ok}::boolean then 0 when ${stale} then w.consecutive_failures else w.consecutive_failures + 1 end,
        last_success_at = case when ${ok}::boolean then greatest(w.last_success_at, ${at}) else w.last_success_at end,
        last_failure_at = case when ${ok}::boolean then w.last_failure_at else greatest(w.last_failure_at, ${at}) end,
        failing_since = case when ${ok}::boolean then null when ${stale} then w.failing_since else coalesce(w.failing_since, ${at}) end,
        health_successes = w.health_successes * ${decay} + case when ${ok}::boolean then 1 else 0 end,
        health_failures = w.health_failures * ${decay} + case when ${ok}::boolean then 0 else 1 end,
        health_updated_at = now(),
        active = case when ${disable} then false else w.active end,
        disabled_reason = case when ${disable} then ${hl.disableReason} else w.disabled_reason end,
        disabled_at = case when ${disable} then ${at} else w.disabled_at end
      from old where w.id = old.id
      returning w.id, w.project_id, w.name, w.consecutive_failures, w.failing_since, w.disabled_at, w.disabled_reason,
        old.active and not w.active as disabled_now,
        ${ok}::boolean and old.consecutive_failures >= ${RECOVERED_AFTER_FAILURES}::int as recovered_now,
        old.consecutive_failures as before_failures, old.failing_since as before_failing_since
    ), ops as (
      select ${idOf('webhook.disabled', r.id)}::text as id, 'webhook.disabled' as type, h.project_id, json_build_object(
          'webhookId', h.id, 'name', h.name, 'url', ${hl.redactedUrl}::text, 'disabledAt', ${iso(sql`h.disabled_at`)}, 'reason', h.disabled_reason,
          'failingSince', ${iso(sql`h.failing_since`)}, 'consecutiveFailures', h.consecutive_failures)::text as data
        from health h where h.disabled_now
      union all
      select ${idOf('webhook.recovered', r.id)}::text, 'webhook.recovered', h.project_id, json_build_object(
          'webhookId', h.id, 'name', h.name, 'url', ${hl.redactedUrl}::text, 'recoveredAt', ${iso(at)},
          'failingSince', ${iso(sql`h.before_failing_since`)}, 'consecutiveFailures', h.before_failures)::text
        from health h where h.recovered_now
      union all
      select ${idOf('delivery.exhausted', `${deliveryId}\n${runId}`)}::text, 'delivery.exhausted', h.project_id, json_build_object(
          'deliveryId', ${deliveryId}::text, 'webhookId', h.id, 'eventId', ${hl.eventId}::text, 'eventType', ${hl.eventType}::text,
          'attempts', ${p.attempts}::int, 'lastStatusCode', ${p.lastStatusCode ?? null}::int, 'lastError', ${lastError}::text, 'failedAt', ${iso(at)})::text
        from health h where ${hl.exhausted}::boolean
    ), ev as (
      insert into events (team_id, id, type, project_id, data_raw, created_at)
      select ${teamId}, o.id, o.type, o.project_id, o.data, now() from ops o
      on conflict (team_id, id) do nothing
      returning id, type, project_id, created_at
    ), targets as (
      -- Subscribers as events.publish matches them, never the webhook the event is about.
      select ev.id as event_id, w.id, w.http_method, w.url from ev join webhooks w
        on w.team_id = ${teamId} and w.active and w.id <> ${r.webhookId}
        and w.event_types && array['*', ev.type, split_part(ev.type, '.', 1) || '.*']
        and (w.project_id is null or w.project_id = ev.project_id)
    ), pending as (
      -- Ids as deliveryWorkflowId(eventId, webhookId) builds them.
      insert into deliveries (id, team_id, event_id, webhook_id, event_type, status, created_at, updated_at)
      select 'delivery:' || t.event_id || ':' || t.id, ${teamId}, t.event_id, t.id, ev.type, 'pending', now(), now()
      from targets t join ev on ev.id = t.event_id
      on conflict (id) do nothing
    )
    select (select json_agg(json_build_object('id', ev.id, 'type', ev.type, 'project_id', ev.project_id, 'created_at', ev.created_at,
      'hooks', coalesce((select json_agg(json_build_object('id', t.id, 'http_method', t.http_method, 'url', t.url) order by t.id) from targets t where t.event_id = ev.id), '[]'::json)))
      from ev) as raised
  `.execute(db);
  return rows[0]?.raised ?? [];
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
