import type { IncomingMessage } from 'node:http';
import type { ApiRateLimiter } from './api-rate-limiter.js';
import type { DispatchedMarker } from '../core/dispatched-mark.js';
import type { FailedAuthLimiter } from './failed-auth-limiter.js';
import type { Health } from './cached-health.js';
import type { TeamPublishLanes } from './team-publish-lanes.js';
import type { TRPCError } from '@trpc/server';
import type { ServiceDeps } from '../services/service-deps.js';
import type { ApiKeyScope } from '../security/api-key-scopes.js';

export interface AuthedKey {
  id: string;
  teamId: string;
  scope: ApiKeyScope;
}

/** A key resolved and charged, or the error every call of the request gets. */
export type AuthResult = { ok: true; key: AuthedKey } | { ok: false; error: TRPCError };

/** Everything the API needs; built once per API by the composition root (src/app/create-api-deps.ts). */
export interface ApiDeps extends ServiceDeps {
  // What the API keeps in memory: one of each per API (tests that build several get one each).
  /** Per-key request limiter, sized by HERALD_API_RATE_LIMIT_PER_MINUTE. */
  rateLimiter: ApiRateLimiter;
  /** All of a team's keys together (HERALD_TEAM_RATE_LIMIT_PER_MINUTE). */
  teamRateLimiter: ApiRateLimiter;
  /** Failed-authentication limiter per client address, sized by HERALD_AUTH_FAIL_LIMIT_PER_MINUTE. */
  failedAuth: FailedAuthLimiter;
  /** Per-team publish lanes, sized by HERALD_TEAM_PUBLISH_CONCURRENCY. */
  publishLanes: TeamPublishLanes;
  /** Per-team lanes for read calls, sized by HERALD_TEAM_READ_CONCURRENCY: one team's reads hold at most that many pool connections. */
  readLanes: TeamPublishLanes;
  /** Batches `events.dispatched_at` marks; flushed on stop. */
  dispatched: DispatchedMarker;
  /** `GET /healthz` and health.check: one probe per second at most (cached-health.ts). */
  health: () => Promise<Health>;
}

export interface Context {
  deps: ApiDeps;
  /** Raw key from the request; checked by the auth middleware. */
  apiKey?: string;
  /** Response headers a procedure wants to set (rate-limit figures). */
  responseHeaders: Record<string, string>;
  /**
   * The request body exactly as sent (HTTP POST only; absent for in-process callers), so a
   * procedure can keep a member's text byte for byte. A batch body holds each call's input under
   * its batch index.
   */
  body?: { text: string; isBatch: boolean };
  /** The peer's address (HTTP only; in-process callers have none and are not limited by it). */
  clientAddress?: string;
  /** The API key's resolution, made by the HTTP server from the headers before it read the body (request-gate.ts); absent: the auth middleware resolves it. */
  auth?: AuthResult;
}

/** For tests and the HTTP adapter alike: no HTTP objects needed. */
export function createContextInner(deps: ApiDeps, apiKey?: string, body?: Context['body'], clientAddress?: string): Context {
  return { deps, apiKey, responseHeaders: {}, body, clientAddress };
}

/** Accepts `Authorization: Bearer <key>` or `X-API-KEY: <key>`. */
export function apiKeyFromRequest(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim() || undefined;
  const header = req.headers['x-api-key'];
  return (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
}
