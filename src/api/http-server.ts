import http from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { metricsRefusal } from '../observability/metrics-access.js';
import { enableMetricsFor, isMetricsPath, serveMetrics } from '../observability/metrics-endpoint.js';
import { appRouter } from './app-router.js';
import { type ApiDeps, apiKeyFromRequest, createContextInner } from './context.js';
import { answerRefused } from './answer-refused.js';
import { type RawBody, readRawBody } from './raw-body.js';
import { gateRequest, type GateResult, MAX_BATCH_SIZE, trpcPaths } from './request-gate.js';
import { mountRest } from './rest/mount-rest.js';
import { answerSingleCall, singleCallInput } from './trpc-single-call.js';

/** Request bodies above this are refused with 413 before parsing (events cap `data` at 256 KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The API over plain JSON HTTP: `/trpc/<router>.<procedure>` (GET for queries with
 * `?input=<json>`, POST with a JSON body for mutations), `GET /healthz` (cached-health.ts) and
 * `GET /metrics` (loopback peers or HERALD_METRICS_TOKEN: metrics-access.ts).
 */
export function createApiServer(deps: ApiDeps): http.Server {
  const bodies = new WeakMap<http.IncomingMessage, RawBody>();
  const gates = new WeakMap<http.IncomingMessage, GateResult>();
  /** The context of a /trpc request, from what was read of it (the gate's verdict and the body). */
  const contextOf = (req: http.IncomingMessage, isBatch: boolean) => {
    const body = bodies.get(req);
    const gate = gates.get(req);
    // A refused body (too large, not UTF-8) fails every call of the request with its error.
    if (body?.kind === 'refused') throw body.error;
    // The socket's peer, not X-Forwarded-For: a header would let a client pick its own address.
    const ctx = createContextInner(
      deps,
      apiKeyFromRequest(req),
      body?.kind === 'text' ? { text: body.text, isBatch } : undefined,
      req.socket.remoteAddress,
    );
    // Authenticated (or refused) from the headers before the body was read: the procedures use that verdict.
    if (gate) {
      ctx.auth = gate.auth;
      Object.assign(ctx.responseHeaders, gate.headers);
    }
    return ctx;
  };
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: ({ req, info }) => contextOf(req, info.isBatchCall),
    // Headers a procedure set (rate-limit figures) go out with the response.
    responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders ?? {} }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.log.error('api error', { path, message: error.message });
    },
  });
  // REST under /v1, /openapi.json, /docs and the dev echo receiver (src/api/rest/mount-rest.ts).
  const rest = mountRest(deps, MAX_BODY_BYTES);
  const metrics = deps.config.observability.metricsEnabled;
  if (metrics) enableMetricsFor(deps.db);
  const server = http.createServer(async (req, res) => {
    // Prometheus text: Herald's series plus the Temporal SDK's (README "Metrics and traces").
    if (metrics && isMetricsPath(req.url)) {
      const refusal = metricsRefusal(req, deps.config.observability.metricsToken);
      if (!refusal) return serveMetrics(req, res);
      res.writeHead(refusal.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: refusal.message } }));
      return;
    }
    if (req.url === '/healthz' || req.url === '/healthz/') {
      const health = await deps.health();
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
      return;
    }
    if (req.url?.startsWith('/trpc/')) {
      // Authenticate and rate-limit first, from the headers: a refused request's body is never
      // read (nor a too-large batch's, which tRPC refuses before anything runs).
      const paths = trpcPaths(req.url);
      const gate = paths && (await gateRequest(deps, req, paths));
      if (gate?.auth?.ok === false)
        return answerRefused(res, deps.config, gate.auth.error, paths!, /[?&]batch=1(&|$)/.test(req.url), gate.headers);
      if (gate) gates.set(req, gate);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        // Read the body ourselves and hand tRPC the same text (its adapter takes a string
        // `req.body` as the body), so procedures can see exactly what was sent. A batch too
        // large for tRPC is refused unread, and its connection closes after the answer.
        const body: RawBody = gate ? await readRawBody(req, MAX_BODY_BYTES, res) : { kind: 'text', text: '' };
        if (body.kind === 'aborted') return;
        if (!gate) res.shouldKeepAlive = false;
        bodies.set(req, body);
        (req as http.IncomingMessage & { body?: string }).body = body.kind === 'text' ? body.text : '';
        // A single publish skips the adapter's Fetch conversions (trpc-single-call.ts).
        const single = gate && body.kind === 'text' ? singleCallInput(req, paths!, body.text) : undefined;
        if (single) return answerSingleCall(res, contextOf(req, false), paths![0]!, single.input, deps.log);
      }
      return trpc(req, res);
    }
    if (await rest(req, res)) return;
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: `no route: ${req.method} ${req.url}` } }));
  });
  // Slow-loris guard: a client must send its headers and body promptly.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
