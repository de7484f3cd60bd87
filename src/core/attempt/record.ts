import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.js';
import type { AttemptRecord } from '../../delivery/types.js';
import { attemptLogSql } from '../../repositories/delivery-attempts-repo.js';
import { releaseLeaseSql } from '../../repositories/webhook-in-flight-repo.js';
import { releaseTeamLeaseSql } from '../../repositories/team-in-flight-repo.js';
import { type AttemptStatus, attemptStatusSql } from '../delivery-status.js';
import { endpointHealthSql, type HealthInput } from '../endpoint-health-sql.js';
import { type RaiseInput, type RaisedEvent, raiseOperationalEventsSql, raisedEventsSelectSql } from '../operational-events-sql.js';

export interface RecordInput {
  deliveryId: string;
  runId: string;
  teamId: string;
  record: AttemptRecord;
  /** What was sent, masked (delivery/shown-request-headers.ts); null: nothing was sent. */
  requestHeaders: Record<string, string> | null;
  status: AttemptStatus;
  health: Pick<HealthInput, 'verdict' | 'disableAfterFailingMs' | 'disableReason'>;
  raise: Pick<RaiseInput, 'redactedUrl' | 'exhausted' | 'eventId' | 'eventType'>;
  /** How long the attempt held its place under the concurrency cap, ms. */
  holdMs: number;
}

/**
 * The record stage in one statement (one round trip), all together or not at all, composed of
 * the fragments of the concerns it serves:
 * - attempt log (delivery-attempts-repo.ts): the full record to `delivery_attempts`;
 * - status (delivery-status.ts): the deliveries row;
 * - concurrency leases (webhook-in-flight-repo.ts, team-in-flight-repo.ts): the release of its
 *   place under the webhook's cap, then under the team's;
 * - endpoint health (endpoint-health-sql.ts): counters, and the disable when due;
 * - operational events (operational-events-sql.ts): what the attempt raised, with the pending
 *   rows of their subscribers; returned, to be started (start-raised-events.ts).
 * Idempotent per (delivery, workflow run, attempt) (see each fragment). Its text is the same for
 * every attempt: prepared once per connection (db/create-db.ts).
 */
export async function recordAttempt(db: Kysely<Database>, a: RecordInput): Promise<RaisedEvent[]> {
  const { deliveryId, runId, teamId, record: r } = a;
  const { rows } = await sql<{ raised: RaisedEvent[] | null }>`/*prepare*/
    with attempt as (
      ${attemptLogSql({ deliveryId, runId, teamId, record: r, requestHeaders: a.requestHeaders, outcome: { status: a.status.status, reason: a.status.reason?.text ?? null } })}
    ), progress as (
      ${attemptStatusSql(deliveryId, runId, a.status)}
    ), released as (
      ${releaseLeaseSql(r.webhookId, deliveryId, a.holdMs)}
    ), team_released as (
      ${releaseTeamLeaseSql(teamId, deliveryId, a.holdMs, 'released')}
    ), ${endpointHealthSql({ ...a.health, webhookId: r.webhookId, teamId, attemptedAt: r.createdAt })},
    ${raiseOperationalEventsSql({
      ...a.raise,
      deliveryId,
      runId,
      teamId,
      attemptId: r.id,
      webhookId: r.webhookId,
      attemptedAt: r.createdAt,
      attempts: a.status.attempts,
      lastStatusCode: a.status.lastStatusCode,
      lastError: a.status.lastError,
    })}
    select ${raisedEventsSelectSql} as raised
  `.execute(db);
  return rows[0]?.raised ?? [];
}
