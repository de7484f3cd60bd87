import type { ApiDeps } from '../api/context.js';
import { createApiRateLimiter } from '../api/api-rate-limiter.js';
import { createDispatchedMarker } from '../core/dispatched-mark.js';
import { createFailedAuthLimiter } from '../api/failed-auth-limiter.js';
import { createLookupCaches } from '../services/lookup-caches.js';
import { createTeamPublishLanes } from '../api/team-publish-lanes.js';
import { createCachedHealth } from '../api/cached-health.js';
import { checkHealth } from '../api/routers/health-router.js';

/** What the API is given from outside; the rest of ApiDeps is its own per-process state. */
export type ApiInputs = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'resolve' | 'log' | 'eagerStart'>;

/**
 * One API's dependencies with its in-memory state built up front: the per-key and per-team rate
 * limiters, the failed-authentication limiter, the cached health probe, the lookup caches, the per-team publish lanes and the
 * dispatched marker, each sized from `config.limits`. Two calls give two independent APIs.
 */
export function createApiDeps(inputs: ApiInputs): ApiDeps {
  const { limits } = inputs.config;
  const deps: ApiDeps = {
    ...inputs,
    rateLimiter: createApiRateLimiter(limits.apiRateLimitPerMinute),
    teamRateLimiter: createApiRateLimiter(limits.teamRateLimitPerMinute),
    failedAuth: createFailedAuthLimiter(limits.authFailLimitPerMinute),
    caches: createLookupCaches(),
    publishLanes: createTeamPublishLanes(limits.teamPublishConcurrency),
    readLanes: createTeamPublishLanes(limits.teamReadConcurrency),
    dispatched: createDispatchedMarker(inputs.db, inputs.log),
    health: () => checkHealth(deps),
  };
  deps.health = createCachedHealth(() => checkHealth(deps));
  return deps;
}
