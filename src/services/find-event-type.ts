import type { ServiceDeps } from './service-deps.js';
import { type CachedEventType, eventTypeCacheKey } from './lookup-caches.js';

/** The publish path's view of an event type, cached for LOOKUP_CACHE_TTL_MS; undefined if none. */
export async function findEventType(deps: ServiceDeps, teamId: string, name: string): Promise<CachedEventType | undefined> {
  const cache = deps.caches.eventTypes;
  const key = eventTypeCacheKey(teamId, name);
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await deps.db
    .selectFrom('event_types')
    .select(['archived', 'schema'])
    .where('team_id', '=', teamId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) return undefined;
  const value: CachedEventType = { archived: row.archived, schema: (row.schema as Record<string, unknown> | null) ?? null };
  cache.set(key, value);
  return value;
}
