import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { createGuardedLookup, type Resolver, systemResolver } from '../security/url-safety.js';
import type { ActivityDeps } from '../activities/create-activities.js';
import { createPgClock } from '../core/attempt/pg-clock.js';
import { createReplyLag } from '../core/attempt/reply-lag.js';
import { Egress } from '../core/attempt/egress.js';
import { OAuthTokens } from '../core/attempt/oauth-tokens.js';
import { pgTokenStore } from '../repositories/oauth-token-store.js';

/**
 * The delivery agents (one per team, each with HERALD_TEAM_CONNECTIONS_PER_ORIGIN connections per
 * origin, HERALD_TEAM_POOLS teams kept; through HERALD_EGRESS_PROXY when set) dial only addresses
 * their guarded lookup vetted (DNS-rebinding safe); so do the webhook agents of egress.ts.
 */
export function createActivityDeps(opts: { db: Kysely<Database>; config: HeraldConfig; log: Logger; resolve?: Resolver }): ActivityDeps {
  const resolve = opts.resolve ?? systemResolver;
  const lookup = createGuardedLookup({ allowPrivate: opts.config.delivery.allowPrivateTargets, resolve });
  return {
    db: opts.db,
    config: opts.config,
    log: opts.log,
    egress: new Egress({ config: opts.config, resolve, lookup }),
    oauthTokens: new OAuthTokens(opts.config.delivery.oauthTokenTimeoutMs, pgTokenStore(opts.db, opts.config.encryptionKeys)),
    pgClock: createPgClock(),
    replyLag: createReplyLag(),
  };
}
