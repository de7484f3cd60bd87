import type { Kysely } from 'kysely';
import type { PgClock } from './pg-clock.js';
import type { ReplyLag } from './reply-lag.js';
import type { Egress } from './egress.js';
import type { OAuthTokens } from './oauth-tokens.js';
import type { HeraldConfig } from '../../config.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../log.js';

/** What an attempt needs; the worker builds it once (worker/create-activity-deps.ts). */
export interface AttemptDeps {
  db: Kysely<Database>;
  config: HeraldConfig;
  /** Delivery dispatchers (egress.ts): one agent per team, and one per webhook with a client certificate or a proxy of its own; every address they dial is vetted. */
  egress: Egress;
  /** OAuth2 client-credentials tokens of receiver auth, per webhook, in this process (oauth-tokens.ts). */
  oauthTokens: OAuthTokens;
  log: Logger;
  /** Places rate-limit slots (reserved on Postgres' clock) on this process' clock. */
  pgClock: PgClock;
  /** How late this process acts on a reserved slot: how far ahead to reserve the next. */
  replyLag: ReplyLag;
}
