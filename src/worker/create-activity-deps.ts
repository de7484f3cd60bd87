import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { createDeliveryAgent } from '../core/attempt/send-attempt.js';
import type { Logger } from '../log.js';
import { createGuardedLookup, type Resolver, systemResolver } from '../security/url-safety.js';
import type { ActivityDeps } from '../activities/create-activities.js';
import { createPgClock } from '../core/attempt/pg-clock.js';
import { createReplyLag } from '../core/attempt/reply-lag.js';

/** The delivery agent dials only addresses its guarded lookup vetted (DNS-rebinding safe). */
export function createActivityDeps(opts: { db: Kysely<Database>; config: HeraldConfig; log: Logger; resolve?: Resolver }): ActivityDeps {
  const lookup = createGuardedLookup({ allowPrivate: opts.config.delivery.allowPrivateTargets, resolve: opts.resolve ?? systemResolver });
  return {
    db: opts.db,
    config: opts.config,
    log: opts.log,
    agent: createDeliveryAgent({ lookup, connections: 50 }),
    pgClock: createPgClock(),
    replyLag: createReplyLag(),
  };
}
