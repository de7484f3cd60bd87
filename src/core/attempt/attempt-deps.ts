import type { Kysely } from 'kysely';
import type { Dispatcher } from 'undici';
import type { PgClock } from './pg-clock.js';
import type { ReplyLag } from './reply-lag.js';
import type { HeraldConfig } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../log.js';

/** What an attempt needs; the worker builds it once (worker/create-activity-deps.ts). */
export interface AttemptDeps {
  db: Kysely<Database>;
  config: HeraldConfig;
  /** Delivery HTTP agent; its DNS lookup vets every address it dials. */
  agent: Dispatcher;
  log: Logger;
  /** Places rate-limit slots (reserved on Postgres' clock) on this process' clock. */
  pgClock: PgClock;
  /** How late this process acts on a reserved slot: how far ahead to reserve the next. */
  replyLag: ReplyLag;
}
