import type { ApiDeps } from '../api/context.js';
import { createApiRateLimiter } from '../api/api-rate-limiter.js';
import { createDispatchedMarker } from '../core/dispatched-mark.js';
import { createFailedAuthLimiter } from '../api/failed-auth-limiter.js';
import { createLookupCaches } from '../api/lookup-caches.js';
import { createTeamPublishLanes } from '../api/team-publish-lanes.js';

/** What the API is given from outside; the rest of ApiDeps is its own per-process state. */
export type ApiInputs = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'resolve' | 'log' | 'eagerStart'>;

/**
 * One API's dependencies with its in-memory state built up front: the per-key rate limiter, the
 * failed-authentication limiter, the lookup caches, the per-team publish lanes and the
 * dispatched marker, each sized from `config.limits`. Two calls give two independent APIs.
 */
export function createApiDeps(inputs: ApiInputs): ApiDeps {
  const { limits } = inputs.config;
  return {
    ...inputs,
    rateLimiter: createApiRateLimiter(limits.apiRateLimitPerMinute),
    failedAuth: createFailedAuthLimiter(limits.authFailLimitPerMinute),
    caches: createLookupCaches(),
    publishLanes: createTeamPublishLanes(limits.teamPublishConcurrency),
    dispatched: createDispatchedMarker(inputs.db, inputs.log),
  };
}
