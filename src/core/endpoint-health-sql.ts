import { type RawBuilder, sql } from 'kysely';
import { HEALTH_HALF_LIFE_MS, type HealthVerdict, RECOVERED_AFTER_FAILURES } from '../delivery/endpoint-health.js';

/** What the attempt means for its endpoint's health (delivery/endpoint-health.ts has the rules). */
export interface HealthInput {
  webhookId: string;
  teamId: string;
  /** null: nothing about the endpoint (a data error: nothing was sent). */
  verdict: HealthVerdict;
  /** When the attempt started (ISO-8601). */
  attemptedAt: string;
  /** 0 = never disable automatically. */
  disableAfterFailingMs: number;
  /** Recorded as `disabled_reason` if this attempt disables the webhook. */
  disableReason: string;
}

/**
 * The endpoint health's part of the attempt's record statement (core/attempt/record.ts): two CTEs,
 * `old` (the webhook row before, locked) and `health` (the updated counters, the disable when every
 * attempt failed for `disableAfterFailingMs`, and the transitions this attempt caused:
 * `disabled_now`, `recovered_now`, with `before_failures` / `before_failing_since`). The
 * operational events fragment reads `health`. A retried execution counts once more (at least
 * once, like the send itself); the transitions have happened already then.
 */
export function endpointHealthSql(h: HealthInput): RawBuilder<unknown> {
  const track = h.verdict !== null;
  const ok = h.verdict === 'success';
  const at = sql`${h.attemptedAt}::timestamptz`;
  // A failure that started before an already recorded success is stale: it counts in the rates
  // but neither extends nor starts a run of failures.
  const stale = sql`(not ${ok}::boolean and w.last_success_at is not null and w.last_success_at > ${at})`;
  const decay = sql`power(0.5, greatest(0, extract(epoch from (now() - coalesce(w.health_updated_at, now())))) / ${HEALTH_HALF_LIFE_MS / 1000}::float8)`;
  const disable = sql`(not ${ok}::boolean and w.active and ${h.disableAfterFailingMs}::float8 > 0 and not ${stale}
    and coalesce(w.failing_since, ${at}) <= ${at} - ${h.disableAfterFailingMs}::float8 * interval '1 millisecond')`;
  return sql`old as (
      -- Locked first, so "before" below is the very version the update changes.
      select id, active, consecutive_failures, failing_since from webhooks
      where id = ${h.webhookId} and team_id = ${h.teamId} and ${track}::boolean for update
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
        disabled_reason = case when ${disable} then ${h.disableReason} else w.disabled_reason end,
        disabled_at = case when ${disable} then ${at} else w.disabled_at end
      from old where w.id = old.id
      returning w.id, w.project_id, w.name, w.consecutive_failures, w.failing_since, w.disabled_at, w.disabled_reason,
        old.active and not w.active as disabled_now,
        ${ok}::boolean and old.consecutive_failures >= ${RECOVERED_AFTER_FAILURES}::int as recovered_now,
        old.consecutive_failures as before_failures, old.failing_since as before_failing_since
    )`;
}

/** The reason recorded when every attempt failed for `spanMs`: `disabled automatically: every attempt failed for 3 days (last: HTTP 503)`. */
export function disableReason(spanMs: number, statusCode: number | null, lastError: string | null): string {
  const span =
    spanMs >= 86_400_000 && spanMs % 86_400_000 === 0
      ? `${spanMs / 86_400_000} days`
      : spanMs >= 60_000
        ? `${Math.round(spanMs / 60_000)} minutes`
        : `${Math.round(spanMs / 1000)} seconds`;
  const last = statusCode !== null ? `HTTP ${statusCode}` : (lastError ?? 'no response').slice(0, 200);
  return `disabled automatically: every attempt failed for ${span} (last: ${last})`;
}
