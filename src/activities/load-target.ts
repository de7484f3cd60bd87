import { type Kysely, sql } from 'kysely';
import type { Database, EventRow, WebhookRow } from '../db/database.js';
import type { AttemptInput } from './attempt-types.js';
import type { PgClock } from './pg-clock.js';
import { JITTER_BUDGET_MS, rateLimitKey, slotOnLocalClock } from './rate-limiter.js';

/**
 * `secrets`: the current and (within its grace period) previous secret as stored, sealed or in
 * clear; prepare-request.ts opens them. `slotAtMs`: the slot reserved with the load, on this process' clock (epoch ms).
 */
export type Target = { kind: 'ready'; webhook: WebhookRow; event: EventRow; secrets: string[]; slotAtMs?: number };

type Row = Partial<WebhookRow> & {
  e_id: string | null;
  e_team_id: string;
  e_type: string;
  e_project_id: string | null;
  e_data: EventRow['data'];
  e_data_raw: EventRow['data_raw'];
  e_created_at: Date;
  e_dispatched_at: Date | null;
  slot_at: Date | null;
  wait_ms: number | null;
};

/**
 * Loads the webhook and event fresh for every attempt, so URL, header and secret changes apply
 * from the next attempt, and a deleted or deactivated webhook stops its pending deliveries.
 * Secrets come from here, never from workflow input, so they never enter workflow history.
 * With `reserveWith` (the clock that places the slot locally), the same statement also reserves the webhook's next rate-limit slot (the
 * GCRA step of rate-limiter.ts) when the webhook is active and the event exists: one round trip.
 */
export async function loadTarget(db: Kysely<Database>, input: AttemptInput, reserveWith?: PgClock): Promise<Target | { kind: 'stopped'; reason: string }> {
  const key = rateLimitKey(input.webhookId);
  const reserveSlot = reserveWith !== undefined;
  const sentAt = Date.now();
  const { rows } = await sql<Row>`/*prepare*/
    with w as (select * from webhooks where id = ${input.webhookId} and team_id = ${input.teamId}),
    e as (select * from events where team_id = ${input.teamId} and id = ${input.eventId}),
    step as (select make_interval(secs => ceil(${(1000 + JITTER_BUDGET_MS) * 1000}::float8 / w.rate_limit_per_second) / 1000000) as s from w
             where ${reserveSlot} and w.active and exists (select 1 from e)),
    slot as (
      insert into rate_limits as r (key, tat) select ${key}, clock_timestamp() + step.s from step
      on conflict (key) do update set tat = greatest(r.tat, clock_timestamp()) + (select s from step)
      returning r.tat - (select s from step) as slot_at,
                greatest(0, extract(epoch from (r.tat - (select s from step) - clock_timestamp())) * 1000)::float8 as wait_ms
    )
    select w.*, e.id as e_id, e.team_id as e_team_id, e.type as e_type, e.project_id as e_project_id, e.data as e_data, e.data_raw as e_data_raw,
           e.created_at as e_created_at, e.dispatched_at as e_dispatched_at, slot.slot_at, slot.wait_ms
    from (select 1) one left join w on true left join e on true left join slot on true
  `.execute(db);
  const receivedAt = Date.now();
  const r = rows[0]!;
  if (!r.id) return { kind: 'stopped', reason: 'webhook deleted' };
  const { e_id, e_team_id, e_type, e_project_id, e_data, e_data_raw, e_created_at, e_dispatched_at, slot_at, wait_ms, ...w } = r;
  const webhook = w as WebhookRow;
  if (!webhook.active) return { kind: 'stopped', reason: `webhook inactive${webhook.disabled_reason ? `: ${webhook.disabled_reason}` : ''}` };
  if (!e_id) return { kind: 'stopped', reason: 'event not found' };
  const event: EventRow = { id: e_id, team_id: e_team_id, type: e_type, project_id: e_project_id, data: e_data, data_raw: e_data_raw, created_at: e_created_at, dispatched_at: e_dispatched_at };
  const secrets = [webhook.secret];
  if (webhook.previous_secret && webhook.previous_secret_expires_at && webhook.previous_secret_expires_at.getTime() > Date.now()) {
    secrets.push(webhook.previous_secret);
  }
  const slotAtMs = slot_at && reserveWith ? await slotOnLocalClock(db, reserveWith, sentAt, receivedAt, { slot_at, wait_ms: Number(wait_ms) }) : undefined;
  return { kind: 'ready', webhook, event, secrets, slotAtMs };
}
