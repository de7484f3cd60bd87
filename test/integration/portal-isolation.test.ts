import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { deliveryIdOf, waitForDelivery } from '../support/scenario.js';

type Http = { status: number; body: Record<string, unknown> };

/**
 * The portal API as a consumer's session sees it: real PostgreSQL, Temporal and a loopback
 * receiver. Every route that takes an id is tried with the ids of another consumer of the same
 * team and of another team's consumer (404 each), every mutation with a read session (403) and
 * without the CSRF token (403).
 */
describe('portal API isolation', () => {
  let h: Harness;
  let rx: Receiver;
  type World = { teamKey: string; projectId: string; webhookId: string; eventId: string; deliveryId: string };
  const world: Record<'A' | 'B' | 'C', World> = {} as never;

  async function consumer(teamKey: string, name: string): Promise<World> {
    const api = h.client(teamKey);
    const p = await api.projects.create.mutate({ name, uid: `uid-${name}` });
    await api.eventTypes.create.mutate({ name: `portal.${name}`, description: `${name}'s events` }).catch(() => undefined);
    const w = await api.webhooks.create.mutate({ name, url: `${rx.url}/${name}`, eventTypes: [`portal.${name}`], projectId: p.id });
    const e = await api.events.publish.mutate({ type: `portal.${name}`, data: { who: name }, projectId: p.id });
    await waitForDelivery(api, deliveryIdOf(e.id, w.id), ['succeeded']);
    return { teamKey, projectId: p.id, webhookId: w.id, eventId: e.id, deliveryId: deliveryIdOf(e.id, w.id) };
  }

  async function session(w: World, permissions: 'read' | 'manage') {
    const s = await h.client(w.teamKey).portal.createSession.mutate({ projectId: w.projectId, permissions });
    const link = new URL(s.url);
    const r = await request(`${h.apiUrl}${link.pathname}${link.search}`);
    await r.body.dump();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const me = (await (await request(`${h.apiUrl}/portal/api/session`, { headers: { cookie } })).body.json()) as { csrfToken: string };
    return { cookie, csrf: me.csrfToken };
  }

  const call = async (s: { cookie: string; csrf?: string }, method: string, path: string, body?: unknown): Promise<Http> => {
    const r = await request(`${h.apiUrl}/portal/api${path}`, {
      method: method as never,
      headers: { cookie: s.cookie, 'content-type': 'application/json', ...(s.csrf ? { 'x-portal-csrf': s.csrf } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  beforeAll(async () => {
    h = await createHarness();
    rx = await startReceiver();
    const t = await h.createTeam();
    const u = await h.createTeam();
    world.A = await consumer(t.key, 'a');
    world.B = await consumer(t.key, 'b');
    world.C = await consumer(u.key, 'c');
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  const enc = encodeURIComponent;
  /** Every portal route that takes an id, for the ids of consumer `w`. */
  const idRoutes = (w: World): [string, string, unknown?][] => [
    ['GET', `/endpoints/${enc(w.webhookId)}`],
    ['PATCH', `/endpoints/${enc(w.webhookId)}`, { name: 'taken' }],
    ['DELETE', `/endpoints/${enc(w.webhookId)}`],
    ['GET', `/endpoints/${enc(w.webhookId)}/secret`],
    ['POST', `/endpoints/${enc(w.webhookId)}/rotate-secret`, {}],
    ['POST', `/endpoints/${enc(w.webhookId)}/test`, {}],
    ['POST', `/endpoints/${enc(w.webhookId)}/enable`, {}],
    ['POST', `/endpoints/${enc(w.webhookId)}/recover`, { since: new Date(Date.now() - 3_600_000).toISOString() }],
    ['GET', `/deliveries?endpointId=${enc(w.webhookId)}`],
    ['GET', `/deliveries/${enc(w.deliveryId)}`],
    ['POST', `/deliveries/${enc(w.deliveryId)}/retry`, {}],
    ['POST', `/deliveries/${enc(w.deliveryId)}/replay`, {}],
    ['POST', `/deliveries/${enc(w.deliveryId)}/cancel`, {}],
    ['GET', `/events/${enc(w.eventId)}`],
  ];

  it("answers 404 for every id of another consumer of the team and of another team's consumer", async () => {
    const a = await session(world.A, 'manage');
    const answers: string[] = [];
    for (const other of [world.B, world.C])
      for (const [method, path, body] of idRoutes(other))
        answers.push(`${method} ${path.split('?')[0]} → ${(await call(a, method, path, body)).status}`);
    expect(answers.filter((x) => !x.endsWith('→ 404'))).toEqual([]);
    expect(answers).toHaveLength(28);
    // Nothing of theirs changed.
    expect((await h.client(world.B.teamKey).webhooks.get.query({ id: world.B.webhookId })).name).toBe('b');
  });

  it('lists only the consumer’s own endpoints, events and event types, and reads its own', async () => {
    const a = await session(world.A, 'read');
    const endpoints = await call(a, 'GET', '/endpoints');
    expect((endpoints.body.data as { id: string }[]).map((w) => w.id)).toEqual([world.A.webhookId]);
    const events = await call(a, 'GET', '/events');
    expect((events.body.data as { id: string }[]).map((e) => e.id)).toEqual([world.A.eventId]);
    expect((await call(a, 'GET', `/deliveries/${enc(world.A.deliveryId)}`)).body).toMatchObject({
      status: 'succeeded',
      attemptRecords: [{ responseStatusCode: 200 }],
    });
    const types = (await call(a, 'GET', '/event-types')).body.data as { name: string }[];
    expect(types.map((t) => t.name).sort()).toEqual(['portal.a', 'portal.b']);
  });

  it('filters the consumer’s deliveries by status, event type and time, naming a bad filter', async () => {
    const a = await session(world.A, 'read');
    const list = (q: string) => call(a, 'GET', `/deliveries?endpointId=${enc(world.A.webhookId)}&${q}`);
    const ids = async (q: string) => ((await list(q)).body.data as { id: string }[]).map((d) => d.id);
    expect(await ids('status=succeeded&eventType=portal.a')).toEqual([world.A.deliveryId]);
    expect(await ids('eventType=portal.b')).toEqual([]);
    expect(await ids(`since=${enc(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await ids(`until=${enc(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([world.A.deliveryId]);
    expect((await list('since=yesterday')).body).toEqual({ error: { message: 'since: must be an ISO-8601 date-time' } });
    expect((await list('status=lost')).status).toBe(400);
  });

  it('lists a consumer’s events and deliveries in the admin API too', async () => {
    const api = h.client(world.A.teamKey);
    expect((await api.events.list.query({ projectId: world.A.projectId })).data.map((e) => e.id)).toEqual([world.A.eventId]);
    expect((await api.deliveries.list.query({ projectId: world.B.projectId })).data.map((d) => d.id)).toEqual([world.B.deliveryId]);
    expect((await api.deliveries.list.query({ projectId: world.C.projectId })).data).toEqual([]);
  });

  it('refuses every mutation to a read session, and to any session without the CSRF token', async () => {
    const read = await session(world.A, 'read');
    const manage = await session(world.A, 'manage');
    const mutations = [
      ...idRoutes(world.A).filter(([m]) => m !== 'GET'),
      ['POST', '/endpoints', { name: 'x', url: `${rx.url}/x`, eventTypes: ['portal.a'] }] as [string, string, unknown],
    ];
    for (const [method, path, body] of mutations) {
      expect((await call(read, method, path, body)).status, `${method} ${path} as read`).toBe(403);
      expect((await call({ cookie: manage.cookie }, method, path, body)).status, `${method} ${path} without csrf`).toBe(403);
    }
    expect((await h.client(world.A.teamKey).webhooks.get.query({ id: world.A.webhookId })).name).toBe('a');
  });

  it('creates an endpoint for its own consumer only, with the API’s errors naming the field', async () => {
    const a = await session(world.A, 'manage');
    const bad = await call(a, 'POST', '/endpoints', { name: 'x', url: 'ftp://nope', eventTypes: ['portal.a'] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/url/);
    expect(
      (await call(a, 'POST', '/endpoints', { name: 'x', url: `${rx.url}/x`, eventTypes: ['portal.a'], projectId: world.B.projectId }))
        .status,
    ).toBe(400);
    expect(
      (await call(a, 'POST', '/endpoints', { name: 'x', url: `${rx.url}/x`, eventTypes: ['portal.a'], egressProxy: 'direct' })).body,
    ).toMatchObject({
      error: { message: 'egressProxy: cannot be set from the portal' },
    });
    const made = await call(a, 'POST', '/endpoints', { name: 'mine', url: `${rx.url}/mine`, eventTypes: ['portal.a'] });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ projectId: world.A.projectId, name: 'mine' });
  });
});
