import { type Kysely, sql } from 'kysely';
import type { HeraldConfig } from '../config.js';
import { TERMINAL_STATUSES } from '../core/delivery-transitions.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { pendingPurges, purgeWebhookBatch } from '../repositories/webhook-purges-repo.js';
import { runPeriodically } from './run-periodically.js';
import { MAX_DISPATCH_FAILURES } from './sweep-undispatched.js';

export interface PurgeResult {
  /** Deliveries rows deleted, and the attempt records deleted with them. */
  deliveries: number;
  attempts: number;
  events: number;
  /** Attempt records of deleted webhooks redacted (webhook-purges-repo.ts). */
  redacted: number;
}

/** Deleted webhooks one tick works on at most. */
const PURGES_PER_TICK = 10;

/**
 * One tick of the retention job; each step touches at most `batchSize` rows of its kind:
 * 1. deleted webhooks' attempt records are redacted (batchSize deliveries over all of them);
 * 2. deliveries older than their team's retention (teams.retention_days, else `days`), by both
 *    created_at and updated_at, are deleted with all their attempt records, finished ones only
 *    (succeeded, failed, cancelled): a delivery pending or retrying is never touched;
 * 3. events older than retention with no deliveries rows left, dispatched (or given up on by the
 *    dispatch sweep), are deleted. An event id deleted here may be published again as new.
 * Several workers may run it at once: a row deleted twice is deleted once. Deletes only; no
 * status is written.
 */
export async function purgeExpired(db: Kysely<Database>, retention: { days: number; batchSize: number }): Promise<PurgeResult> {
  const n = retention.batchSize;
  let redacted = 0;
  let budget = n;
  for (const webhookId of await pendingPurges(db, PURGES_PER_TICK)) {
    if (budget <= 0) break;
    const step = await purgeWebhookBatch(db, webhookId, budget);
    budget -= Math.max(1, step.deliveries);
    redacted += step.redacted;
  }
  const cutoff = sql`now() - make_interval(days => coalesce(t.retention_days, ${retention.days}::int))`;
  const deliveries = await sql<{ deliveries: string; attempts: string }>`
    with picked as (
      select x.id from teams t cross join lateral (
        select d.id from deliveries d
        where d.team_id = t.id and d.created_at < ${cutoff} and d.updated_at < ${cutoff}
          and d.status in (${sql.join([...TERMINAL_STATUSES])})
        order by d.created_at limit ${n}
      ) x limit ${n}
    ),
    gone_attempts as (delete from delivery_attempts a using picked p where a.delivery_id = p.id returning 1),
    gone as (delete from deliveries d using picked p where d.id = p.id returning 1)
    select (select count(*) from gone) as deliveries, (select count(*) from gone_attempts) as attempts
  `.execute(db);
  const events = await sql`
    with picked as (
      select x.team_id, x.id from teams t cross join lateral (
        select e.team_id, e.id from events e
        where e.team_id = t.id and e.created_at < ${cutoff}
          and (e.dispatched_at is not null or e.dispatch_failures >= ${MAX_DISPATCH_FAILURES})
          and not exists (select 1 from deliveries d where d.team_id = e.team_id and d.event_id = e.id)
        order by e.created_at limit ${n}
      ) x limit ${n}
    )
    delete from events e using picked p where e.team_id = p.team_id and e.id = p.id
  `.execute(db);
  const d = deliveries.rows[0]!;
  return { deliveries: Number(d.deliveries), attempts: Number(d.attempts), events: Number(events.numAffectedRows ?? 0n), redacted };
}

/** Runs purgeExpired every HERALD_RETENTION_EVERY_MS; logs what each tick removed when it removed anything. */
export function startRetention(deps: { db: Kysely<Database>; config: HeraldConfig }, log: Logger): () => void {
  const { retention } = deps.config;
  return runPeriodically(
    async () => {
      const r = await purgeExpired(deps.db, retention);
      if (r.deliveries || r.events || r.redacted) log.info('retention purge', { ...r });
    },
    retention.everyMs,
    log,
    'retention purge failed',
  );
}
