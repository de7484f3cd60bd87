import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may scrape the API's `/metrics`, which sits on the tenants' port: with HERALD_METRICS_TOKEN
 * set, a request carrying `Authorization: Bearer <token>` (compared in constant time); unset, a
 * loopback peer only (a Prometheus on the same host, or a sidecar). Null: allowed; else the
 * status and message of the refusal. The worker's own listener binds to loopback (config).
 */
export function metricsRefusal(req: http.IncomingMessage, token: string | undefined): { status: number; message: string } | null {
  if (token === undefined) {
    if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return null;
    return {
      status: 403,
      message:
        '/metrics answers loopback peers only; set HERALD_METRICS_TOKEN to scrape it from elsewhere with Authorization: Bearer <token>',
    };
  }
  const auth = req.headers.authorization ?? '';
  const given = Buffer.from(auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '');
  const want = Buffer.from(token);
  if (given.length === want.length && timingSafeEqual(given, want)) return null;
  return { status: 401, message: '/metrics needs Authorization: Bearer <HERALD_METRICS_TOKEN>' };
}
