import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { createDeliveryAgent } from '../core/attempt/send-attempt.js';
import type { Logger } from '../log.js';
import { createGuardedLookup, type Resolver, systemResolver } from '../security/url-safety.js';
import type { ActivityDeps } from '../activities/create-activities.js';
import { createPgClock } from '../core/attempt/pg-clock.js';
import { createReplyLag } from '../core/attempt/reply-lag.js';
import { TeamAgents } from '../core/attempt/team-agents.js';

/**
 * The delivery agents (one per team, each with HERALD_TEAM_CONNECTIONS_PER_ORIGIN connections per
 * origin, HERALD_TEAM_POOLS teams kept) dial only addresses their guarded lookup vetted (DNS-rebinding safe).
 */
export function createActivityDeps(opts: { db: Kysely<Database>; config: HeraldConfig; log: Logger; resolve?: Resolver }): ActivityDeps {
  const lookup = createGuardedLookup({ allowPrivate: opts.config.delivery.allowPrivateTargets, resolve: opts.resolve ?? systemResolver });
  return {
    db: opts.db,
    config: opts.config,
    log: opts.log,
    agents: new TeamAgents(
      () => createDeliveryAgent({ lookup, connections: opts.config.delivery.teamConnectionsPerOrigin }),
      opts.config.delivery.teamPools,
    ),
    pgClock: createPgClock(),
    replyLag: createReplyLag(),
  };
}
