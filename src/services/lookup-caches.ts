import type { ApiKeyScope } from '../security/api-key-scopes.js';
import { createTtlCache, type TtlCache } from './ttl-cache.js';

/**
 * How long an API process may use what it read about an API key or an event type, ms. A key
 * revoked, or a type archived or changed, through another API process takes effect here within
 * this bound; through this process, at once.
 */
export const LOOKUP_CACHE_TTL_MS = 5_000;

export interface CachedKey {
  id: string;
  teamId: string;
  revoked: boolean;
  scope: ApiKeyScope;
  /** When this process last wrote `last_used_at` (or read it), epoch ms; 0 if never used. */
  lastUsedAtMs: number;
}

export interface CachedEventType {
  archived: boolean;
  schema: Record<string, unknown> | null;
}

export interface LookupCaches {
  /** By API key hash. */
  keys: TtlCache<CachedKey>;
  /** By `<teamId> <name>`; only types that exist are cached. */
  eventTypes: TtlCache<CachedEventType>;
}

/** One set of caches per API (ApiDeps.caches), like the per-key rate limiter. */
export function createLookupCaches(): LookupCaches {
  return { keys: createTtlCache(LOOKUP_CACHE_TTL_MS), eventTypes: createTtlCache(LOOKUP_CACHE_TTL_MS) };
}

export const eventTypeCacheKey = (teamId: string, name: string) => `${teamId} ${name}`;
