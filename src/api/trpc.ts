import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { type ApiKeyScope, scopeAllows } from '../security/api-key-scopes.js';
import { hashApiKey } from '../security/api-keys.js';
import type { Context } from './context.js';
import { formatPath, quote } from './field-path.js';
import { isDatabaseUnavailable, isTemporalUnavailable } from '../core/infra-errors.js';
import { countPublish, observeProcedure } from '../observability/api-metrics.js';
import { findUnstorableText } from './storable-input.js';

/** Turns zod issues into one sentence per field: `url: only port 443 is allowed`. */
export function formatZodIssues(error: ZodError): string {
  return error.issues
    .map((i) => `${formatPath(i.path)}: ${i.message}`)
    .join('; ');
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : undefined;
    return {
      ...shape,
      message: zod ? formatZodIssues(zod) : shape.message,
      data: { ...shape.data, stack: undefined, zodIssues: zod?.issues ?? null },
    };
  },
});

export const router = t.router;
export const middleware = t.middleware;

/** Maps infrastructure failures to a clear 503 instead of an anonymous 500. */
const infraErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'database unavailable, try again', cause: result.error });
  }
  if (!result.ok && isTemporalUnavailable(result.error.cause)) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'workflow engine unavailable, try again (publishing the same id again is safe)', cause: result.error });
  }
  return result;
});

/**
 * The text rule every procedure shares: no string or key anywhere in the input may hold NUL or a
 * lone surrogate (text-rules.ts). Runs before validation, so no field of any router is missed.
 */
const storableInput = t.middleware(async ({ getRawInput, next }) => {
  const bad = findUnstorableText(await getRawInput());
  if (bad) throw new TRPCError({ code: 'BAD_REQUEST', message: `${formatPath(bad.path)}: ${bad.key === undefined ? '' : `key ${quote(bad.key)} `}${bad.rule}` });
  return next();
});

/** Duration by procedure and code (herald_api_request_duration_seconds) and, tracing on, the call's span. Outermost, so it sees every error. */
const observed = t.middleware(({ ctx, path, next }) => observeProcedure(ctx.deps.config, path, next));

export const publicProcedure = t.procedure.use(observed).use(infraErrors).use(storableInput);

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves the API key to its team; every authed procedure is scoped to `ctx.team`. Keys are
 * cached by hash for LOOKUP_CACHE_TTL_MS, so a busy key costs no query per request; a key revoked
 * through another API process is refused within that bound.
 */
const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.apiKey) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing API key (Authorization: Bearer <key> or X-API-KEY)' });
  // An address that has used up its failed authentications is refused before any lookup.
  const failures = ctx.clientAddress === undefined ? undefined : ctx.deps.failedAuth;
  const blockedFor = failures?.blockedFor(ctx.clientAddress!) ?? 0;
  if (blockedFor > 0) {
    ctx.responseHeaders['retry-after'] = String(blockedFor);
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `too many failed authentications from this address; retry in ${blockedFor} s` });
  }
  const hash = hashApiKey(ctx.apiKey);
  const { keys } = ctx.deps.caches;
  let key = keys.get(hash);
  if (!key) {
    const row = await ctx.deps.db.selectFrom('api_keys').select(['id', 'team_id', 'revoked_at', 'last_used_at', 'scope']).where('key_hash', '=', hash).executeTakeFirst();
    if (row) keys.set(hash, (key = { id: row.id, teamId: row.team_id, revoked: Boolean(row.revoked_at), scope: row.scope, lastUsedAtMs: row.last_used_at?.getTime() ?? 0 }));
  }
  if (!key || key.revoked) {
    failures?.recordFailure(ctx.clientAddress!);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'invalid or revoked API key' });
  }
  // last_used_at is kept to the minute so a busy key does not write on every request.
  if (Date.now() - key.lastUsedAtMs > LAST_USED_RESOLUTION_MS) {
    key.lastUsedAtMs = Date.now();
    await ctx.deps.db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', key.id).execute();
  }
  const decision = ctx.deps.rateLimiter.check(key.id);
  ctx.responseHeaders['x-ratelimit-limit'] = String(decision.limit);
  ctx.responseHeaders['x-ratelimit-remaining'] = String(decision.remaining);
  ctx.responseHeaders['x-ratelimit-retry-after'] = String(decision.retryAfterSeconds);
  if (!decision.allowed) {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.retryAfterSeconds} s` });
  }
  return next({ ctx: { ...ctx, team: { id: key.teamId }, keyId: key.id, scope: key.scope } });
});

/**
 * A procedure callable by keys of `needed` scope and by admin keys; any other key gets 403
 * naming the scope the call needs. Every authed procedure is built from one of the three below,
 * so the check lives here and not in handlers.
 */
function scoped(needed: ApiKeyScope) {
  return authedProcedure.use(({ ctx, path, next }) => {
    if (!scopeAllows(ctx.scope, needed)) {
      const need = needed === 'admin' ? "scope 'admin'" : `scope '${needed}' or 'admin'`;
      throw new TRPCError({ code: 'FORBIDDEN', message: `${path} needs an API key with ${need}; this key's scope is '${ctx.scope}'` });
    }
    return next();
  });
}

/** Mutations, key management and signing secrets. */
export const adminProcedure = scoped('admin');
/** Gets and lists (never secrets). */
export const readProcedure = scoped('read');
/** events.publish; every call that got past authentication counts in herald_events_published_total. */
export const publishProcedure = scoped('publish').use(async ({ ctx, next }) => {
  const result = await next();
  countPublish(ctx.deps.config, result);
  return result;
});
