import { TRPCError } from '@trpc/server';
import { hashApiKey } from '../security/api-keys.js';
import type { ApiDeps, AuthResult } from './context.js';

const LAST_USED_RESOLUTION_MS = 60_000;

const refuse = (code: TRPCError['code'], message: string): AuthResult => ({ ok: false, error: new TRPCError({ code, message }) });

/**
 * Resolves an API key to its team and charges `calls` requests (a tRPC batch: one per call) to
 * the key's rate limit and its team's (all the team's keys together). Runs on the request's headers alone: the HTTP server calls
 * it before it reads a body, so a caller without a valid key costs a header lookup and at most one
 * key query, never a parse. From a client address (HTTP), a missing, unknown or revoked key counts
 * as a failed authentication; an address that has used up its failures is refused before any
 * lookup. Keys are cached by hash for LOOKUP_CACHE_TTL_MS (a busy key costs no query per request;
 * a key revoked through another API process is refused within that bound). Response headers
 * (rate-limit figures, retry-after) are written into `headers`.
 */
export async function authenticateKey(
  deps: ApiDeps,
  apiKey: string | undefined,
  clientAddress: string | undefined,
  headers: Record<string, string>,
  calls = 1,
): Promise<AuthResult> {
  const failures = clientAddress === undefined ? undefined : deps.failedAuth;
  const blockedFor = failures?.blockedFor(clientAddress!) ?? 0;
  if (blockedFor > 0) {
    headers['retry-after'] = String(blockedFor);
    return refuse('TOO_MANY_REQUESTS', `too many failed authentications from this address; retry in ${blockedFor} s`);
  }
  if (!apiKey) {
    failures?.recordFailure(clientAddress!);
    return refuse('UNAUTHORIZED', 'missing API key (Authorization: Bearer <key> or X-API-KEY)');
  }
  const hash = hashApiKey(apiKey);
  const { keys } = deps.caches;
  let key = keys.get(hash);
  if (!key) {
    const row = await deps.db
      .selectFrom('api_keys')
      .select(['id', 'team_id', 'revoked_at', 'last_used_at', 'scope'])
      .where('key_hash', '=', hash)
      .executeTakeFirst();
    if (row)
      keys.set(
        hash,
        (key = {
          id: row.id,
          teamId: row.team_id,
          revoked: Boolean(row.revoked_at),
          scope: row.scope,
          lastUsedAtMs: row.last_used_at?.getTime() ?? 0,
        }),
      );
  }
  if (!key || key.revoked) {
    failures?.recordFailure(clientAddress!);
    return refuse('UNAUTHORIZED', 'invalid or revoked API key');
  }
  // last_used_at is kept to the minute so a busy key does not write on every request.
  if (Date.now() - key.lastUsedAtMs > LAST_USED_RESOLUTION_MS) {
    key.lastUsedAtMs = Date.now();
    await deps.db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', key.id).execute();
  }
  // Both limits must admit the calls; only then is either charged, so a refusal costs neither.
  const own = deps.rateLimiter.peek(key.id, calls);
  const team = deps.teamRateLimiter.peek(key.teamId, calls);
  const refusal = !own.allowed ? own : !team.allowed ? team : undefined;
  const decision = refusal ?? deps.rateLimiter.check(key.id, calls);
  const teamLeft = refusal ? team : deps.teamRateLimiter.check(key.teamId, calls);
  headers['x-ratelimit-limit'] = String(decision.limit);
  headers['x-ratelimit-remaining'] = String(refusal ? 0 : Math.min(decision.remaining, teamLeft.remaining));
  headers['x-ratelimit-retry-after'] = String(decision.retryAfterSeconds);
  if (refusal === team)
    return refuse(
      'TOO_MANY_REQUESTS',
      `rate limit of ${team.limit} requests per minute for all keys of this team exceeded; retry in ${team.retryAfterSeconds} s`,
    );
  if (refusal)
    return refuse('TOO_MANY_REQUESTS', `rate limit of ${own.limit} requests per minute exceeded; retry in ${own.retryAfterSeconds} s`);
  return { ok: true, key: { id: key.id, teamId: key.teamId, scope: key.scope } };
}
