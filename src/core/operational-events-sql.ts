import { type RawBuilder, sql } from 'kysely';
import { operationalEventId } from '../catalogs/operational-events.js';
import { pendingRowsSql } from './delivery-status.js';
import type { FanOutTarget } from './fan-out.js';
import { subscribesToOperationalSql } from '../delivery/subscribers.js';

/** An operational event the attempt raised (stored with its pending delivery rows), to be started. */
export interface RaisedEvent {
  id: string;
  type: string;
  project_id: string | null;
  created_at: string;
  hooks: FanOutTarget[];
}

/** What an attempt's operational events are about (catalogs/operational-events.ts has the rules). */
export interface RaiseInput {
  deliveryId: string;
  runId: string;
  teamId: string;
  /** The attempt record's id: `webhook.disabled` and `webhook.recovered` take their event ids from it. */
  attemptId: string;
  webhookId: string;
  /** The webhook URL for the payloads, already redacted. */
  redactedUrl: string;
  /** When the attempt started (ISO-8601). */
  attemptedAt: string;
  /** The delivery ended `failed` because its retry policy was used up, and may be reported (not an operational event or a ping). */
  exhausted: boolean;
  eventId: string;
  eventType: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

const iso = (x: RawBuilder<unknown>) => sql`to_char(${x} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The operational events' part of the attempt's record statement (core/attempt/record.ts): CTEs
 * `ops` (the events this attempt raises, from the `health` CTE of endpoint-health-sql.ts:
 * `webhook.disabled`, `webhook.recovered`, `delivery.exhausted`), `ev` (inserted as events.publish
 * does), `targets` (their subscribers by the one subscription rule, never the webhook an event is
 * about) and `pending` (their rows). Stored with the attempt, an event can never be lost, only late
 * (the undispatched sweep starts what the caller could not). Ids are derived from the attempt or
 * the delivery and run, so a re-executed attempt raises nothing twice.
 */
export function raiseOperationalEventsSql(o: RaiseInput): RawBuilder<unknown> {
  const at = sql`${o.attemptedAt}::timestamptz`;
  return sql`ops as (
      select ${operationalEventId('webhook.disabled', o.attemptId)}::text as id, 'webhook.disabled' as type, h.project_id, json_build_object(
          'webhookId', h.id, 'name', h.name, 'url', ${o.redactedUrl}::text, 'disabledAt', ${iso(sql`h.disabled_at`)}, 'reason', h.disabled_reason,
          'failingSince', ${iso(sql`h.failing_since`)}, 'consecutiveFailures', h.consecutive_failures)::text as data
        from health h where h.disabled_now
      union all
      select ${operationalEventId('webhook.recovered', o.attemptId)}::text, 'webhook.recovered', h.project_id, json_build_object(
          'webhookId', h.id, 'name', h.name, 'url', ${o.redactedUrl}::text, 'recoveredAt', ${iso(at)},
          'failingSince', ${iso(sql`h.before_failing_since`)}, 'consecutiveFailures', h.before_failures)::text
        from health h where h.recovered_now
      union all
      select ${operationalEventId('delivery.exhausted', `${o.deliveryId}\n${o.runId}`)}::text, 'delivery.exhausted', h.project_id, json_build_object(
          'deliveryId', ${o.deliveryId}::text, 'webhookId', h.id, 'eventId', ${o.eventId}::text, 'eventType', ${o.eventType}::text,
          'attempts', ${o.attempts}::int, 'lastStatusCode', ${o.lastStatusCode}::int, 'lastError', ${o.lastError}::text, 'failedAt', ${iso(at)})::text
        from health h where ${o.exhausted}::boolean
    ), ev as (
      insert into events (team_id, id, type, project_id, data_raw, created_at)
      select ${o.teamId}, o.id, o.type, o.project_id, o.data, now() from ops o
      on conflict (team_id, id) do nothing
      returning id, type, project_id, created_at
    ), targets as (
      -- Subscribers as events.publish matches them, never the webhook the event is about.
      select ev.id as event_id, w.id, w.http_method, w.url from ev join webhooks w
        on w.team_id = ${o.teamId} and w.active and w.id <> ${o.webhookId}
        and ${subscribesToOperationalSql('w.event_types', sql`ev.type`)}
        and (w.project_id is null or w.project_id = ev.project_id)
    ), pending as (
      -- Ids as deliveryWorkflowId(eventId, webhookId) builds them.
      ${pendingRowsSql({ id: sql`'delivery:' || t.event_id || ':' || t.id`, teamId: o.teamId, eventId: sql`t.event_id`, webhookId: sql`t.id`, eventType: sql`ev.type` }, sql`from targets t join ev on ev.id = t.event_id`)}
    )`;
}

/** The statement's result column `raised`: the events `ev` inserted, each with its `targets`. */
export const raisedEventsSelectSql = sql`(select json_agg(json_build_object('id', ev.id, 'type', ev.type, 'project_id', ev.project_id, 'created_at', ev.created_at,
      'hooks', coalesce((select json_agg(json_build_object('id', t.id, 'http_method', t.http_method, 'url', t.url) order by t.id) from targets t where t.event_id = ev.id), '[]'::json)))
      from ev)`;
