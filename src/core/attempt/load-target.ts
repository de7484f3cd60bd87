import { type Kysely, sql } from 'kysely';
import type { Database, EventRow, WebhookRow } from '../../db/database.js';
import { type Reason, reasons } from '../delivery-reasons.js';
import type { AttemptInput } from './attempt-types.js';
import type { PgClock } from './pg-clock.js';
import { INITIAL_HOLD_MS, MAX_REFUSED_WAIT_MS } from '../../delivery/in-flight-cap.js';
import { signingSecrets } from '../../delivery/previous-secrets.js';
import { JITTER_BUDGET_MS, rateLimitKey, slotOnLocalClock } from './rate-limiter.js';
import {
  type RecordedAttempt,
  type RecordedAttemptJson,
  recordedAttemptSql,
  toRecordedAttempt,
} from '../../repositories/delivery-attempts-repo.js';

/**
 * `secrets`: the current secret and every previous one still within its own grace period, as
 * stored, sealed or in clear; prepare-request.ts opens them. `slotAtMs`: the slot reserved with the load, on this process' clock (epoch ms);
 * `reservedAtMs`: Postgres' now in that statement, on the same clock (reply-lag.ts measures from it).
 * `admittedAtMs`: when this attempt got its place under the webhook's concurrency cap (this
 * process' clock); the record statement releases it.
 */
export type Target = {
  kind: 'ready';
  webhook: WebhookRow;
  event: EventRow;
  secrets: string[];
  slotAtMs?: number;
  reservedAtMs?: number;
  admittedAtMs: number;
};
/**
 * Every place under the team's or the webhook's concurrency cap is taken; `queueWaitMs`: this
 * delivery's place in the queue (the team's when the team refused it, else the webhook's).
 */
export type Busy = { kind: 'busy'; queueWaitMs: number };

/** Nothing to send to: the webhook is deleted or inactive, or the event is gone or its payload erased. */
export type Stopped = { kind: 'stopped'; reason: Reason };

/**
 * This very attempt (delivery, workflow run, attempt number) was sent and recorded already: a
 * re-run of a local activity whose workflow task was lost (a worker killed, a timed-out task, a
 * Temporal service restarting). Its recorded outcome is the answer; nothing is sent again.
 */
export type Recorded = { kind: 'recorded'; attempt: RecordedAttempt };

/** The concurrency caps' parameters (in-flight-cap.ts): the webhook default, the team cap and the lease length (ms). */
export interface CapParams {
  defaultMaxInFlight: number;
  teamMaxInFlight: number;
  leaseMs: number;
}

type Row = Partial<WebhookRow> & {
  e_id: string | null;
  e_team_id: string;
  e_type: string;
  e_project_id: string | null;
  e_data: EventRow['data'];
  e_data_raw: EventRow['data_raw'];
  e_created_at: Date;
  e_dispatched_at: Date | null;
  e_erased_at: Date | null;
  slot_at: Date | null;
  wait_ms: number | null;
  admitted: boolean | null;
  queue_wait_ms: number | null;
  team_wait_ms: number | null;
  prior: RecordedAttemptJson | null;
};

/**
 * Loads the webhook and event fresh for every attempt, so URL, header and secret changes apply
 * from the next attempt, and a deleted or deactivated webhook stops its pending deliveries.
 * Secrets come from here, never from workflow input, so they never enter workflow history.
 * With `reserve` (the clock that places the slot locally, and the lead of reply-lag.ts), the same statement also reserves the
 * webhook's next rate-limit slot (the GCRA step of rate-limiter.ts), at least `leadMs` ahead of Postgres' now, when the webhook
 * is active and the event exists: one round trip.
 *
 * The same statement first takes this delivery's place under the webhook's concurrency cap: a
 * lease in `webhook_in_flight` (delivery id → expiry), granted when fewer than the cap of other
 * unexpired leases are held, or when this delivery already holds one (a retried activity, or a
 * wake-up after a rate-limit wait). The row lock of INSERT … ON CONFLICT DO UPDATE serialises
 * every worker's acquire and release. Refused, the delivery is queued (`next_wake_at` moves on by
 * the webhook's average hold ÷ cap) and no rate-limit slot is reserved, so none is wasted.
 *
 * Then the team's place, under the team's cap, in its `team_in_flight` row (locked after the
 * webhook's row; the record statement and extendLease keep that order): granted when the
 * delivery holds a team lease or fewer than the team cap of others do, counted on the row's
 * newest version under its lock (ON CONFLICT DO UPDATE), so every worker's acquires of the
 * team's webhooks are serialised there. An unlocked look at the same row first refuses a
 * delivery of a team that is at its cap before it takes a webhook place or the team's lock: it
 * queues on its webhook's row like a refusal by the webhook. Only a delivery whose look raced a
 * commit (or that held its webhook place already) is refused under the lock: it queues on the
 * team's row (the team's average hold ÷ team cap) and keeps its webhook place until it is
 * admitted or the lease expires; only deliveries of the same team compete for that place.
 *
 * Before all that, the same statement looks for this attempt's own record (delivery, `runId`,
 * attempt): when it is there, the attempt was sent already and `recorded` answers it; no lease
 * is taken and no slot reserved.
 */
export async function loadTarget(
  db: Kysely<Database>,
  input: AttemptInput,
  runId: string,
  cap: CapParams,
  reserve?: { clock: PgClock; leadMs: number },
): Promise<Target | Busy | Stopped | Recorded> {
  const key = rateLimitKey(input.webhookId);
  const reserveSlot = reserve !== undefined;
  const lead = sql`make_interval(secs => ${Math.max(0, Math.round(reserve?.leadMs ?? 0)) / 1000})`;
  const d = input.deliveryId;
  const nowMs = sql`extract(epoch from clock_timestamp()) * 1000`;
  const capOf = sql`(select coalesce(w.max_in_flight, ${cap.defaultMaxInFlight}::int) from w)`;
  // Granted: this delivery holds an unexpired lease already, or fewer than the cap of others do.
  const admit = sql`(coalesce((f.leases ->> ${d}::text)::float8 > ${nowMs}, false)
    or (select count(*) from jsonb_each_text(f.leases) x where x.key <> ${d}::text and x.value::float8 > ${nowMs}) < ${capOf})`;
  // The other unexpired leases (expired ones are dropped here, the only place they are).
  const pruned = sql`coalesce((select jsonb_object_agg(x.key, x.value::float8) from jsonb_each_text(f.leases) x
    where x.key <> ${d}::text and x.value::float8 > ${nowMs}), '{}'::jsonb)`;
  // An event whose payload was erased (events.erasePayload) takes no lease and no slot: it is never sent.
  const live = sql`exists (select 1 from e where e.payload_erased_at is null)`;
  // The team has room in row `r`: this delivery holds an unexpired team lease, or fewer than the team cap of others do.
  const teamRoom = (r: string) => {
    const row = sql.raw(r);
    return sql`(coalesce((${row}.leases ->> ${d}::text)::float8 > ${nowMs}, false)
      or (select count(*) from jsonb_each_text(${row}.leases) x where x.key <> ${d}::text and x.value::float8 > ${nowMs}) < ${cap.teamMaxInFlight}::int)`;
  };
  const teamPruned = sql`coalesce((select jsonb_object_agg(x.key, x.value::float8) from jsonb_each_text(g.leases) x
    where x.key <> ${d}::text and x.value::float8 > ${nowMs}), '{}'::jsonb)`;
  const newLease = sql`jsonb_build_object(${d}::text, extract(epoch from clock_timestamp()) * 1000 + ${cap.leaseMs}::float8)`;
  // Granted under the webhook's cap: holds its webhook lease, or there is room and the team looked to have room.
  const admitW = sql`(coalesce((f.leases ->> ${d}::text)::float8 > ${nowMs}, false)
    or ((select room from pre) and (select count(*) from jsonb_each_text(f.leases) x where x.key <> ${d}::text and x.value::float8 > ${nowMs}) < ${capOf}))`;
  const grantedT = sql`((select admitted_w from lease) and ${teamRoom('g')})`;
  const sentAt = Date.now();
  const { rows } = await sql<Row>`/*prepare*/
    with w as (select * from webhooks where id = ${input.webhookId} and team_id = ${input.teamId}),
    e as (select * from events where team_id = ${input.teamId} and id = ${input.eventId}),
    prior as materialized (${recordedAttemptSql(d, runId, input.attempt)}),
    pre as materialized (select coalesce((select ${teamRoom('s')} from team_in_flight s where s.team_id = ${input.teamId}), true) as room),
    lease as (
      insert into webhook_in_flight as f (webhook_id, leases)
      select w.id, case when pre.room then ${newLease} else '{}'::jsonb end from w, pre
      where w.active and ${live} and not exists (select 1 from prior)
      on conflict (webhook_id) do update set
        leases = case when ${admitW} then ${pruned} || excluded.leases else f.leases end,
        next_wake_at = case when ${admitW} then f.next_wake_at
          else least(greatest(f.next_wake_at, clock_timestamp()) + make_interval(secs => coalesce(f.hold_ms, ${INITIAL_HOLD_MS}::float8) / ${capOf} / 1000),
                     clock_timestamp() + make_interval(secs => ${MAX_REFUSED_WAIT_MS / 1000}::float8)) end
      returning coalesce((f.leases ->> ${d}::text)::float8 > extract(epoch from clock_timestamp()) * 1000, false) as admitted_w,
                greatest(0, extract(epoch from (f.next_wake_at - clock_timestamp())) * 1000)::float8 as queue_wait_ms
    ),
    team_lease as (
      insert into team_in_flight as g (team_id, leases)
      select ${input.teamId}, ${newLease} from lease where lease.admitted_w
      on conflict (team_id) do update set
        leases = case when ${grantedT} then ${teamPruned} || excluded.leases else g.leases end,
        next_wake_at = case when ${grantedT} then g.next_wake_at
          else least(greatest(g.next_wake_at, clock_timestamp()) + make_interval(secs => coalesce(g.hold_ms, ${INITIAL_HOLD_MS}::float8) / ${cap.teamMaxInFlight}::int / 1000),
                     clock_timestamp() + make_interval(secs => ${MAX_REFUSED_WAIT_MS / 1000}::float8)) end
      returning (select admitted_w from lease) and coalesce((g.leases ->> ${d}::text)::float8 > extract(epoch from clock_timestamp()) * 1000, false) as admitted,
                greatest(0, extract(epoch from (g.next_wake_at - clock_timestamp())) * 1000)::float8 as team_wait_ms
    ),
    step as (select make_interval(secs => ceil(${(1000 + JITTER_BUDGET_MS) * 1000}::float8 / w.rate_limit_per_second) / 1000000) as s from w
             where ${reserveSlot} and w.active and ${live} and (select admitted from team_lease)),
    slot as (
      insert into rate_limits as r (key, tat) select ${key}, clock_timestamp() + ${lead} + step.s from step
      on conflict (key) do update set tat = greatest(r.tat, clock_timestamp() + ${lead}) + (select s from step)
      returning r.tat - (select s from step) as slot_at,
                greatest(0, extract(epoch from (r.tat - (select s from step) - clock_timestamp())) * 1000)::float8 as wait_ms
    )
    select w.*, e.id as e_id, e.team_id as e_team_id, e.type as e_type, e.project_id as e_project_id, e.data as e_data, e.data_raw as e_data_raw,
           e.created_at as e_created_at, e.dispatched_at as e_dispatched_at, e.payload_erased_at as e_erased_at, slot.slot_at, slot.wait_ms,
           coalesce(team_lease.admitted, false) as admitted, lease.queue_wait_ms, team_lease.team_wait_ms,
           (select to_jsonb(prior) from prior) as prior
    from (select 1) one left join w on true left join e on true left join slot on true left join lease on true
      left join team_lease on true
  `.execute(db);
  const receivedAt = Date.now();
  const r = rows[0]!;
  if (r.prior) return { kind: 'recorded', attempt: toRecordedAttempt(r.prior) };
  if (!r.id) return { kind: 'stopped', reason: reasons.webhookDeleted() };
  const {
    e_id,
    e_team_id,
    e_type,
    e_project_id,
    e_data,
    e_data_raw,
    e_created_at,
    e_dispatched_at,
    e_erased_at,
    slot_at,
    wait_ms,
    admitted,
    queue_wait_ms,
    team_wait_ms,
    prior: _prior,
    ...w
  } = r;
  const webhook = w as WebhookRow;
  if (!webhook.active) return { kind: 'stopped', reason: reasons.webhookInactive(webhook.disabled_reason) };
  if (!e_id) return { kind: 'stopped', reason: reasons.eventNotFound() };
  if (e_erased_at) return { kind: 'stopped', reason: reasons.eventErased() };
  if (!admitted) return { kind: 'busy', queueWaitMs: Number(team_wait_ms ?? queue_wait_ms) };
  const event: EventRow = {
    id: e_id,
    team_id: e_team_id,
    type: e_type,
    project_id: e_project_id,
    data: e_data,
    data_raw: e_data_raw,
    created_at: e_created_at,
    dispatched_at: e_dispatched_at,
  };
  const secrets = signingSecrets(webhook.secret, webhook.previous_secrets, Date.now());
  const slotAtMs =
    slot_at && reserve ? await slotOnLocalClock(db, reserve.clock, sentAt, receivedAt, { slot_at, wait_ms: Number(wait_ms) }) : undefined;
  const reservedAtMs = slotAtMs === undefined ? undefined : slotAtMs - Number(wait_ms);
  return { kind: 'ready', webhook, event, secrets, slotAtMs, reservedAtMs, admittedAtMs: receivedAt };
}
