import type { Kysely } from 'kysely';
import type { PgClock } from './pg-clock.js';
import type { ReplyLag } from './reply-lag.js';
import type { TeamAgents } from './team-agents.js';
import type { HeraldConfig } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../log.js';

/** What an attempt needs; the worker builds it once (worker/create-activity-deps.ts). */
export interface AttemptDeps {
  db: Kysely<Database>;
  config: HeraldConfig;
  /** Delivery HTTP agents, one per team (team-agents.ts); their DNS lookup vets every address they dial. */
  agents: TeamAgents;
  log: Logger;
  /** Places rate-limit slots (reserved on Postgres' clock) on this process' clock. */
  pgClock: PgClock;
  /** How late this process acts on a reserved slot: how far ahead to reserve the next. */
  replyLag: ReplyLag;
}
