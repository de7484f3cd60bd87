import { createHash } from 'node:crypto';
import type http from 'node:http';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { appRouter } from '../app-router.js';
import { isOperationalEventType } from '../../catalogs/operational-events.js';
import type { ApiDeps, Context } from '../context.js';
import { readRawBody } from '../raw-body.js';
import type { PortalSession } from '../../services/portal-sessions.js';
import { deliveryDto } from '../../services/read-delivery.js';
import { queuePositions } from '../../core/ordering/queue-positions.js';
import { DELIVERY_STATUSES } from '../../core/delivery-transitions.js';

/** Bodies of portal mutations are small (an endpoint's settings). */
const MAX_BODY_BYTES = 64 * 1024;

/** The CSRF token of a session cookie: what `/portal/api/session` answers and every mutation must send back as `x-portal-csrf`. */
export function csrfTokenOf(cookie: string): string {
  return createHash('sha256').update(`herald-portal-csrf\n${cookie}`).digest('base64url');
}

type Caller = ReturnType<typeof appRouter.createCaller>;
interface Call {
  session: PortalSession;
  caller: Caller;
  deps: ApiDeps;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}
type Handler = (c: Call) => Promise<unknown>;

const notFound = (what: string, id: string) => new TRPCError({ code: 'NOT_FOUND', message: `${what} not found: ${id}` });

/** The consumer's own webhook `id`, or 404: every id a portal route takes is checked against the session's consumer first. */
async function ownWebhook(c: Call, id: string): Promise<string> {
  const row = await c.deps.db
    .selectFrom('webhooks')
    .select('id')
    .where('team_id', '=', c.session.teamId)
    .where('project_id', '=', c.session.projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('endpoint', id);
  return row.id;
}

async function ownDelivery(c: Call, id: string): Promise<string> {
  const row = await c.deps.db
    .selectFrom('deliveries as d')
    .innerJoin('webhooks as w', (j) => j.onRef('w.id', '=', 'd.webhook_id').onRef('w.team_id', '=', 'd.team_id'))
    .select('d.id')
    .where('d.team_id', '=', c.session.teamId)
    .where('w.project_id', '=', c.session.projectId)
    .where('d.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('delivery', id);
  return row.id;
}

async function ownEvent(c: Call, id: string): Promise<string> {
  const row = await c.deps.db
    .selectFrom('events')
    .select('id')
    .where('team_id', '=', c.session.teamId)
    .where('project_id', '=', c.session.projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('event', id);
  return row.id;
}

/**
 * The endpoint settings a consumer may set from the portal. Not its consumer (project), nor what
 * is the platform's to decide: egress proxy, transformation, concurrency cap, ordering. A field
 * outside the list is refused by name, never silently dropped.
 */
const ENDPOINT_FIELDS = new Set([
  'name',
  'description',
  'url',
  'httpMethod',
  'headers',
  'eventTypes',
  'active',
  'rateLimitPerSecond',
  'retryPolicy',
  'filter',
  'auth',
]);
function endpointFields(body: Record<string, unknown>): Record<string, unknown> {
  const extra = Object.keys(body).find((k) => !ENDPOINT_FIELDS.has(k));
  if (extra) throw new TRPCError({ code: 'BAD_REQUEST', message: `${extra}: cannot be set from the portal` });
  return body;
}

/** An ISO-8601 time in the query, or undefined; anything else is a 400 naming it. */
function timeParam(q: URLSearchParams, name: string): Date | undefined {
  const v = q.get(name);
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new TRPCError({ code: 'BAD_REQUEST', message: `${name}: must be an ISO-8601 date-time` });
  return d;
}

const pageSize = (q: URLSearchParams) => Math.min(100, Math.max(1, Number(q.get('pageSize') ?? 25) || 25));

/**
 * The portal's JSON API (`/portal/api/…`, docs/consumers.md): the team's own procedures, called
 * in-process as the session (scope `admin` for a `manage` session, `read` for a `read` one, so a
 * read session gets the procedures' own 403 on every mutation), with every id checked against
 * the session's consumer first (404 otherwise) and lists narrowed to its endpoints and events.
 */
// Operational events are published team-wide (no project), so a consumer's endpoints (all in its
// project) never receive them, nor any other consumer's events: the catalog shown leaves them out.
const ROUTES: [method: string, pattern: string, handler: Handler][] = [
  [
    'GET',
    '/event-types',
    async (c) => ({ data: (await c.caller.eventTypes.list({})).data.filter((t) => !t.archived && !isOperationalEventType(t.name)) }),
  ],
  ['GET', '/endpoints', async (c) => c.caller.webhooks.list({ page: 1, pageSize: 100, projectId: c.session.projectId })],
  ['POST', '/endpoints', async (c) => c.caller.webhooks.create({ ...endpointFields(c.body), projectId: c.session.projectId } as never)],
  ['GET', '/endpoints/:id', async (c) => c.caller.webhooks.get({ id: await ownWebhook(c, c.params.id!) })],
  [
    'PATCH',
    '/endpoints/:id',
    async (c) => c.caller.webhooks.update({ ...endpointFields(c.body), id: await ownWebhook(c, c.params.id!) } as never),
  ],
  ['DELETE', '/endpoints/:id', async (c) => c.caller.webhooks.delete({ id: await ownWebhook(c, c.params.id!) })],
  ['GET', '/endpoints/:id/secret', async (c) => c.caller.webhooks.getSecret({ id: await ownWebhook(c, c.params.id!) })],
  [
    'POST',
    '/endpoints/:id/rotate-secret',
    async (c) => c.caller.webhooks.rotateSecret({ ...c.body, id: await ownWebhook(c, c.params.id!) } as never),
  ],
  ['POST', '/endpoints/:id/test', async (c) => c.caller.webhooks.test({ id: await ownWebhook(c, c.params.id!) })],
  ['POST', '/endpoints/:id/enable', async (c) => c.caller.webhooks.enable({ ...c.body, id: await ownWebhook(c, c.params.id!) } as never)],
  [
    'POST',
    '/endpoints/:id/recover',
    async (c) => c.caller.deliveries.recover({ ...c.body, webhookId: await ownWebhook(c, c.params.id!) } as never),
  ],
  [
    'GET',
    '/deliveries',
    async (c) => {
      const endpoint = c.query.get('endpointId');
      if (!endpoint) throw new TRPCError({ code: 'BAD_REQUEST', message: 'endpointId: is required' });
      const webhookId = await ownWebhook(c, endpoint);
      const status = c.query.get('status');
      if (status && !(DELIVERY_STATUSES as readonly string[]).includes(status))
        throw new TRPCError({ code: 'BAD_REQUEST', message: `status: must be one of ${DELIVERY_STATUSES.join(', ')}` });
      const since = timeParam(c.query, 'since');
      const until = timeParam(c.query, 'until');
      let q = c.deps.db.selectFrom('deliveries').selectAll().where('team_id', '=', c.session.teamId).where('webhook_id', '=', webhookId);
      if (status) q = q.where('status', '=', status);
      if (c.query.get('eventType')) q = q.where('event_type', '=', c.query.get('eventType')!);
      if (since) q = q.where('created_at', '>=', since);
      if (until) q = q.where('created_at', '<', until);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageSize(c.query)).execute();
      const positions = await queuePositions(c.deps.db, rows);
      return { data: rows.map((d) => deliveryDto(d, positions.get(d.id) ?? null)) };
    },
  ],
  ['GET', '/deliveries/:id', async (c) => c.caller.deliveries.get({ id: await ownDelivery(c, c.params.id!) })],
  ['POST', '/deliveries/:id/retry', async (c) => c.caller.deliveries.retryNow({ id: await ownDelivery(c, c.params.id!) })],
  ['POST', '/deliveries/:id/replay', async (c) => c.caller.deliveries.replay({ id: await ownDelivery(c, c.params.id!) })],
  ['POST', '/deliveries/:id/cancel', async (c) => c.caller.deliveries.cancel({ id: await ownDelivery(c, c.params.id!) })],
  [
    'GET',
    '/events',
    async (c) => {
      const rows = await c.deps.db
        .selectFrom('events')
        .select(['id', 'type', 'created_at'])
        .where('team_id', '=', c.session.teamId)
        .where('project_id', '=', c.session.projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(pageSize(c.query))
        .execute();
      return { data: rows.map((r) => ({ id: r.id, type: r.type, createdAt: r.created_at.toISOString() })) };
    },
  ],
  ['GET', '/events/:id', async (c) => c.caller.events.get({ id: await ownEvent(c, c.params.id!) })],
];

function match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
  for (const [m, pattern, handler] of ROUTES) {
    if (m !== method) continue;
    const want = pattern.split('/');
    const got = path.split('/');
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    if (want.every((w, i) => (w.startsWith(':') ? ((params[w.slice(1)] = decodeURIComponent(got[i]!)), got[i] !== '') : w === got[i])))
      return { handler, params };
  }
  return undefined;
}

/** Answers one `/portal/api/<path>` request of a live session (`cookie` its cookie); false when no route matches. */
export async function servePortalApi(
  deps: ApiDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  session: PortalSession,
  cookie: string,
): Promise<boolean> {
  const found = match(req.method ?? 'GET', path);
  if (!found) return false;
  const send = (status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  if (req.method !== 'GET' && req.headers['x-portal-csrf'] !== csrfTokenOf(cookie)) {
    send(403, { error: { message: 'x-portal-csrf: missing or wrong (read it from /portal/api/session)' } });
    return true;
  }
  let body: Record<string, unknown> = {};
  if (req.method !== 'GET' && req.method !== 'DELETE') {
    const raw = await readRawBody(req, MAX_BODY_BYTES, res);
    if (raw.kind === 'aborted') return true;
    if (raw.kind === 'refused') {
      send(getHTTPStatusCodeFromError(raw.error), { error: { message: raw.error.message } });
      return true;
    }
    try {
      body = raw.text === '' ? {} : (JSON.parse(raw.text) as Record<string, unknown>);
    } catch {
      send(400, { error: { message: 'body: must be JSON' } });
      return true;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      send(400, { error: { message: 'body: must be a JSON object' } });
      return true;
    }
  }
  const ctx: Context = {
    deps,
    responseHeaders: {},
    auth: {
      ok: true,
      key: { id: `portal:${session.id}`, teamId: session.teamId, scope: session.permissions === 'manage' ? 'admin' : 'read' },
    },
  };
  try {
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    send(200, await found.handler({ session, caller: appRouter.createCaller(ctx), deps, params: found.params, query, body }));
  } catch (err) {
    const e = err instanceof TRPCError ? err : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error', cause: err });
    if (e.code === 'INTERNAL_SERVER_ERROR') deps.log.error('portal api error', { path, message: String((err as Error)?.message) });
    const status = getHTTPStatusCodeFromError(e);
    send(status, { error: { message: status === 500 ? 'internal error' : e.message } });
  }
  return true;
}
