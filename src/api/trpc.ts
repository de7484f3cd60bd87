import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { type ApiKeyScope, scopeAllows } from '../security/api-key-scopes.js';
import { authenticateKey } from './authenticate-key.js';
import type { Context } from './context.js';
import { formatPath, quote } from './field-path.js';
import { isDatabaseUnavailable, isStatementTimeout, isTemporalUnavailable } from '../db/infra-errors.js';
import { countPublish, observeProcedure } from '../observability/api-metrics.js';
import { findUnstorableText } from './storable-input.js';
import { unconfirmedEventId } from './publish-unconfirmed.js';

/** Turns zod issues into one sentence per field: `url: only port 443 is allowed`. */
export function formatZodIssues(error: ZodError): string {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : undefined;
    return {
      ...shape,
      message: zod ? formatZodIssues(zod) : shape.message,
      // eventId: a publish refused after its event was stored (publish-unconfirmed.ts); retry with it.
      data: { ...shape.data, stack: undefined, zodIssues: zod?.issues ?? null, eventId: unconfirmedEventId(error.cause) ?? null },
    };
  },
});

export const router = t.router;
export const middleware = t.middleware;

/**
 * Maps infrastructure failures, and statements cut off by their time bound, to a clear 503 instead
 * of an anonymous 500 (a 503 already answered is kept as it is).
 */
const infraErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'SERVICE_UNAVAILABLE') return result;
  if (!result.ok && isStatementTimeout(result.error.cause)) {
    const ms = ctx.deps.config.db.statementTimeoutMs;
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: `database statement cancelled after its time bound${ms ? ` (${ms} ms)` : ''}: narrow the request (filters, page size) or try again later`,
      cause: result.error,
    });
  }
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'database unavailable, try again', cause: result.error });
  }
  if (!result.ok && isTemporalUnavailable(result.error.cause)) {
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'workflow engine unavailable, try again (publishing the same id again is safe)',
      cause: result.error,
    });
  }
  return result;
});

/**
 * The text rule every procedure shares: no string or key anywhere in the input may hold NUL or a
 * lone surrogate (text-rules.ts). Runs before validation, so no field of any router is missed.
 */
const storableInput = t.middleware(async ({ getRawInput, next }) => {
  const bad = findUnstorableText(await getRawInput());
  if (bad)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${formatPath(bad.path)}: ${bad.key === undefined ? '' : `key ${quote(bad.key)} `}${bad.rule}`,
    });
  return next();
});

/** Duration by procedure and code (herald_api_request_duration_seconds) and, tracing on, the call's span. Outermost, so it sees every error. */
const observed = t.middleware(({ ctx, path, next }) => observeProcedure(ctx.deps.config, path, next));

/** A procedure anyone may call (health.check): observed, infrastructure errors mapped, input text checked. */
export const publicProcedure = t.procedure.use(observed).use(infraErrors).use(storableInput);

/**
 * Resolves the API key to its team (authenticate-key.ts); every authed procedure is scoped to
 * `ctx.team`. Over HTTP the server has already done it from the headers, before reading the body,
 * and charged every call of the batch (`ctx.auth`); in-process callers are resolved here. Runs
 * before the input is read, so no input of a caller without a valid key is parsed or walked.
 */
export const authMiddleware = t.middleware(async ({ ctx, next }) => {
  const auth = ctx.auth ?? (await authenticateKey(ctx.deps, ctx.apiKey, ctx.clientAddress, ctx.responseHeaders));
  if (!auth.ok) throw auth.error;
  return next({ ctx: { ...ctx, team: { id: auth.key.teamId }, keyId: auth.key.id, scope: auth.key.scope } });
});

const authedProcedure = t.procedure.use(observed).use(infraErrors).use(authMiddleware).use(storableInput);

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
/**
 * Gets and lists (never secrets). At most HERALD_TEAM_READ_CONCURRENCY of one team's run at once
 * in this process, the rest wait in order (team-publish-lanes.ts): with each statement bounded by
 * HERALD_DB_STATEMENT_TIMEOUT_MS, a team whose reads are slow holds that many connections for that
 * long at most, and the rest of the pool stays free for other teams.
 */
export const readProcedure = scoped('read').use(({ ctx, next }) => ctx.deps.readLanes.run(ctx.team.id, () => next()));
/** events.publish; every call that got past authentication counts in herald_events_published_total. */
export const publishProcedure = scoped('publish').use(async ({ ctx, next }) => {
  const result = await next();
  countPublish(ctx.deps.config, result);
  return result;
});
