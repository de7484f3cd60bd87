import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import type { Resolver } from '../security/url-safety.js';
import type { LookupCaches } from './lookup-caches.js';

/** What the API's domain services need; the API's own deps (api/context.ts) extend it. */
export interface ServiceDeps {
  db: Kysely<Database>;
  temporal: Client;
  config: HeraldConfig;
  /** Injectable so tests can make a name resolve to a private address. */
  resolve: Resolver;
  log: Logger;
  /**
   * True when `temporal` runs on the worker's own NativeConnection in this process (`npm start`):
   * delivery starts then ask for eager start, and the server hands the first workflow task
   * straight back to this worker instead of through a task-queue poll.
   */
  eagerStart?: boolean;
  /** Keys, event types and projects, cached for LOOKUP_CACHE_TTL_MS. */
  caches: LookupCaches;
}

/** A service call made for one team. */
export interface ServiceContext {
  deps: ServiceDeps;
  team: { id: string };
}
