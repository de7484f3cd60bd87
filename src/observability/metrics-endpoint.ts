import http from 'node:http';
import type { Kysely } from 'kysely';
import { collectDefaultMetrics } from 'prom-client';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { metricsRefusal } from './metrics-access.js';
import { heraldRegistry } from './metrics.js';
import { countRetryingIn } from './retrying-gauge.js';
import { temporalMetricsText } from './temporal-metrics.js';

let processMetrics = false;

/**
 * Turns on what only a scraped process needs: Node's process series (CPU, memory, event-loop lag;
 * prefixed `herald_`) and the retrying gauge's database. Idempotent.
 */
export function enableMetricsFor(db: Kysely<Database>): void {
  countRetryingIn(db);
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: heraldRegistry, prefix: 'herald_' });
}

/** Herald's registry, then the Temporal SDK's runtime series (both Prometheus text format 0.0.4). */
export async function metricsText(): Promise<string> {
  const [own, sdk] = await Promise.all([heraldRegistry.metrics(), temporalMetricsText()]);
  return sdk ? `${own.trimEnd()}\n${sdk}` : own;
}

/** Answers one `GET /metrics` (HEAD too); other methods get 405. */
export async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: `${req.method} /metrics: only GET` } }));
    return;
  }
  const text = await metricsText();
  res.writeHead(200, { 'content-type': heraldRegistry.contentType }).end(req.method === 'HEAD' ? undefined : text);
}

/** True for `/metrics` and `/metrics/` with or without a query string. */
export function isMetricsPath(url: string | undefined): boolean {
  return url !== undefined && /^\/metrics\/?(\?.*)?$/.test(url);
}

/**
 * `npm run worker`'s own `/metrics` listener (the API serves it on its port otherwise). A port in
 * use is logged and skipped, not fatal: deliveries matter more than their metrics.
 */
export async function startWorkerMetricsServer(config: HeraldConfig, db: Kysely<Database>, log: Logger): Promise<http.Server | undefined> {
  const { metricsEnabled, workerMetricsHost: host, workerMetricsPort: port } = config.observability;
  if (!metricsEnabled || port === 0) return undefined;
  enableMetricsFor(db);
  const { metricsToken } = config.observability;
  const server = http.createServer((req, res) => {
    if (isMetricsPath(req.url)) {
      // Its own port (loopback by default): the token, when set, is asked for here too.
      const refusal = metricsToken === undefined ? null : metricsRefusal(req, metricsToken);
      if (refusal)
        return void res
          .writeHead(refusal.status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: refusal.message } }));
      serveMetrics(req, res).catch((err) => res.writeHead(500).end(String(err)));
      return;
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: `no route: ${req.method} ${req.url} (this port serves GET /metrics)` } }));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (err) => {
      log.warn('worker metrics listener not started', { host, port, message: err.message });
      resolve(false);
    });
    server.listen(port, host, () => resolve(true));
  });
  if (!listening) return undefined;
  log.info('worker metrics listening', { url: `http://${host}:${(server.address() as { port: number }).port}/metrics` });
  return server;
}
