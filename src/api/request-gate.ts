import type http from 'node:http';
import type { AnyProcedure } from '@trpc/server';
import { appRouter } from './app-router.js';
import { authenticateKey } from './authenticate-key.js';
import type { AuthResult } from './context.js';
import { type ApiDeps, apiKeyFromRequest } from './context.js';
import { authMiddleware } from './trpc.js';

/**
 * The most tRPC calls one HTTP request may batch (tRPC's `maxBatchSize`; a larger batch gets 400
 * before anything runs). Herald's own client batches what one tick queues, a handful; 50 leaves
 * room for scripts while bounding what one request can ask of one authentication.
 */
export const MAX_BATCH_SIZE = 50;

/** What the gate decided for one HTTP request, before its body was read. */
export interface GateResult {
  /** The key's resolution, charged for every call; undefined: no call needs a key, or the lookup failed on infrastructure (the procedures authenticate then, and map that failure). */
  auth?: AuthResult;
  /** Rate-limit figures and retry-after, for the response. */
  headers: Record<string, string>;
}

/** The auth middleware's function(s), as tRPC stores them in a procedure's chain. */
const AUTH: unknown[] = authMiddleware._middlewares;
const procedures = appRouter._def.procedures as unknown as Record<string, AnyProcedure | undefined>;

/** True unless the path is a procedure built without the API-key middleware (health.check); an unknown path needs a key too. */
export function needsApiKey(path: string): boolean {
  const p = procedures[path];
  return !p || (p._def as unknown as { middlewares: unknown[] }).middlewares.some((m) => AUTH.includes(m));
}

/** `/trpc/<name>` whose name is letters, digits, `_` and `.`, starting with a letter: no query, escapes or dot segments. */
const PLAIN_CALL = /^\/trpc\/[A-Za-z][\w.]*$/;

/** The procedure paths of a `/trpc/<a>,<b>?batch=1` URL; undefined for a batch above MAX_BATCH_SIZE (tRPC refuses it). */
export function trpcPaths(url: string): string[] | undefined {
  // The common case, one plain procedure name (`/trpc/events.publish`): nothing a URL parser
  // would decode or normalise, so it is skipped (it was a per-request cost on the publish path).
  if (PLAIN_CALL.test(url)) return [url.slice(6)];
  const { pathname, searchParams } = new URL(url, 'http://herald.invalid');
  let path: string;
  try {
    path = decodeURIComponent(pathname.replace(/^\/trpc\//, ''));
  } catch {
    return [pathname];
  }
  if (searchParams.get('batch') !== '1') return [path];
  const paths = path.split(',');
  return paths.length > MAX_BATCH_SIZE ? undefined : paths;
}

/**
 * Authenticates and rate-limits a request from its headers alone (authenticate-key.ts), so a
 * caller without a valid key, or over its limit, costs no body read and no parse: the HTTP server
 * calls this first and skips the body of a refused request. Every call of a batch is charged.
 */
export async function gateRequest(deps: ApiDeps, req: http.IncomingMessage, paths: string[]): Promise<GateResult> {
  const headers: Record<string, string> = {};
  if (!paths.some(needsApiKey)) return { headers };
  try {
    return { auth: await authenticateKey(deps, apiKeyFromRequest(req), req.socket.remoteAddress, headers, paths.length), headers };
  } catch {
    return { headers };
  }
}
