import type { ApiDeps } from './context.js';
import { perApi } from './per-api.js';
import { checkHealth } from './routers/health-router.js';

/** How long one probe's answer serves `GET /healthz`, ms. */
export const HEALTH_CACHE_MS = 1_000;

type Health = Awaited<ReturnType<typeof checkHealth>>;

/**
 * `GET /healthz` for anyone, unlimited, and cheap: at most one probe of PostgreSQL and Temporal
 * per HEALTH_CACHE_MS per API, however many ask; callers during a probe share it.
 */
export const cachedHealthFor: (deps: ApiDeps) => () => Promise<Health> = perApi((deps) => {
  let last: { at: number; health: Promise<Health> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= HEALTH_CACHE_MS) last = { at: now, health: checkHealth(deps) };
    return last.health;
  };
});
