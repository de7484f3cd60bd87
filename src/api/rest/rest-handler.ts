import type http from 'node:http';
import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError } from '@trpc/server';
import { appRouter } from '../app-router.js';
import { type ApiDeps, apiKeyFromRequest, type Context, createContextInner } from '../context.js';
import { readRawBody } from '../raw-body.js';
import { gateRequest } from '../request-gate.js';
import { restInputSchema, takesBody } from './openapi-document.js';
import { procedureDef } from './procedure-input.js';
import { bodyInput, queryInput } from './rest-input.js';
import { REST_ROUTES, type RestRoute } from './rest-routes.js';

/**
 * Serves the REST paths under /v1 by calling the route's tRPC procedure with the tRPC context,
 * so authentication, scopes, rate limits, validation and error mapping are the procedure's own.
 * Errors go out as `{"error":{"code","message","httpStatus","issues"}}` with the status tRPC
 * gives the same code, built by the same error formatter (trpc.ts).
 */
interface CompiledRoute {
  route: RestRoute;
  pattern: RegExp;
  params: string[];
}

const compiled: CompiledRoute[] = REST_ROUTES.map((route) => {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => (params.push(name), '([^/]+)'));
  return { route, pattern: new RegExp(`^${source}/?$`), params };
});

/** Routes whose template matches the path, literal ones first (`/event-types/import` before `{name}`). */
function match(pathname: string): { route: RestRoute; params: Record<string, string> }[] {
  const found: { route: RestRoute; params: Record<string, string>; specificity: number }[] = [];
  for (const c of compiled) {
    const m = c.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.params.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(m[i + 1]!);
      } catch {
        throw new TRPCError({ code: 'BAD_REQUEST', message: `${name}: is not a valid URL path segment` });
      }
    });
    found.push({ route: c.route, params, specificity: c.params.length });
  }
  return found.sort((a, b) => a.specificity - b.specificity);
}

export function createRestHandler(deps: ApiDeps, maxBodyBytes: number) {
  return async function handleRest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let ctx: Context | undefined;
    let route: RestRoute | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://herald.invalid');
      const candidates = match(url.pathname);
      const chosen = candidates.find((c) => c.route.method === req.method);
      if (!chosen) {
        if (!candidates.length) throw new TRPCError({ code: 'NOT_FOUND', message: `no route: ${req.method} ${url.pathname}` });
        res.setHeader('allow', [...new Set(candidates.map((c) => c.route.method))].join(', '));
        throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `${req.method} is not allowed on ${url.pathname}` });
      }
      route = chosen.route;
      const def = procedureDef(route.procedure)!;
      // The socket's peer, as for tRPC: a header would let a client pick its own address.
      ctx = createContextInner(deps, apiKeyFromRequest(req), undefined, req.socket.remoteAddress);
      // Authenticated and rate-limited from the headers first (request-gate.ts): a refused
      // request's body is never read, and the procedure answers with the refusal.
      const gate = await gateRequest(deps, req, [route.procedure]);
      ctx.auth = gate.auth;
      Object.assign(ctx.responseHeaders, gate.headers);
      let input: unknown;
      if (gate.auth?.ok === false) {
        if (takesBody(route)) res.shouldKeepAlive = false;
      } else if (takesBody(route)) {
        const raw = await readRawBody(req, maxBodyBytes, res);
        if (raw.kind === 'aborted') return;
        if (raw.kind === 'refused') throw raw.error;
        ctx.body = { text: raw.text, isBatch: false };
        input = bodyInput(raw.text);
      } else {
        input = queryInput(url.searchParams, restInputSchema(route));
      }
      if (Object.keys(chosen.params).length && gate.auth?.ok !== false) {
        if (typeof input !== 'object' || input === null || Array.isArray(input))
          throw new TRPCError({ code: 'BAD_REQUEST', message: 'input: the request body must be a JSON object' });
        input = { ...input, ...chosen.params };
      }
      if (!def.inputs.length) input = undefined;
      const data: unknown = await callTRPCProcedure({
        router: appRouter,
        path: route.procedure,
        getRawInput: async () => input,
        ctx,
        type: def.type === 'mutation' ? 'mutation' : 'query',
        signal: undefined,
        batchIndex: 0,
      });
      send(res, route.status, ctx.responseHeaders, data);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR')
        deps.log.error('api error', { path: route?.procedure ?? req.url, message: error.message });
      const shape = getTRPCErrorShape({
        config: appRouter._def._config,
        error,
        type: 'unknown',
        path: route?.procedure,
        input: undefined,
        ctx,
      });
      const httpStatus = shape.data.httpStatus;
      send(res, httpStatus, ctx?.responseHeaders ?? {}, {
        error: {
          code: shape.data.code,
          message: shape.message,
          httpStatus,
          issues: shape.data.zodIssues,
          ...(shape.data.eventId ? { eventId: shape.data.eventId } : {}),
        },
      });
    }
  };
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}
