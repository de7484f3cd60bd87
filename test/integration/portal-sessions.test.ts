import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture-output.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * Consumers (projects with the platform's uid) and consumer-portal sessions: real PostgreSQL and
 * the API over HTTP. The portal's pages are not built yet; this is their session layer.
 */
describe('consumers and portal sessions', () => {
  let h: Harness;
  const output = captureOutput();
  beforeAll(async () => {
    output.start();
    h = await createHarness({ worker: false, env: { HERALD_LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    output.stop();
    await h?.close();
  });

  const get = (path: string, cookie?: string) =>
    request(`${h.apiUrl}${path}`, { method: 'GET', headers: cookie ? { cookie } : {} }).then(async (r) => ({
      status: r.statusCode,
      headers: r.headers,
      body: await r.body.text(),
    }));
  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { data?: { httpStatus?: number }; message: string }) => ({ status: e.data?.httpStatus, message: e.message }),
    );

  it('gives a consumer the platform’s uid, unique per team, and reads and updates it', async () => {
    const team = await h.createTeam();
    const api = h.client(team.key);
    const c = await api.projects.create.mutate({ name: 'Acme', uid: 'cust_42' });
    expect(c).toMatchObject({ name: 'Acme', uid: 'cust_42' });
    expect(await errorOf(api.projects.create.mutate({ name: 'Other', uid: 'cust_42' }))).toEqual({
      status: 409,
      message: 'project uid already in use: cust_42',
    });
    expect(await api.projects.get.query({ id: c.id })).toEqual(c);
    expect(await api.projects.update.mutate({ id: c.id, name: 'Acme Inc', uid: 'cust_43' })).toMatchObject({
      name: 'Acme Inc',
      uid: 'cust_43',
    });
    // Another team may use the same uid.
    const other = await h.createTeam();
    expect(await h.client(other.key).projects.create.mutate({ name: 'Acme', uid: 'cust_43' })).toMatchObject({ uid: 'cust_43' });
    expect(await errorOf(h.client(other.key).projects.get.query({ id: c.id }))).toMatchObject({ status: 404 });
  });

  it('exchanges a session link once for an HttpOnly cookie bound to the consumer, and refuses the link again', async () => {
    const team = await h.createTeam();
    const api = h.client(team.key);
    const c = await api.projects.create.mutate({ name: 'Beta', uid: 'cust_beta' });
    const s = await api.portal.createSession.mutate({ uid: 'cust_beta', ttlSeconds: 600, permissions: 'manage' });
    expect(s).toMatchObject({ projectId: c.id, permissions: 'manage' });
    expect(Date.parse(s.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    const link = new URL(s.url);
    expect(link.pathname).toBe('/portal/session');
    const token = link.searchParams.get('token')!;

    const first = await get(`${link.pathname}${link.search}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/portal/');
    expect(first.headers['referrer-policy']).toBe('no-referrer');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^herald_portal=[A-Za-z0-9_-]{43}; Path=\/portal; Max-Age=\d+; HttpOnly; Secure; SameSite=None; Partitioned$/,
    );
    const cookie = setCookie.split(';')[0]!;
    expect(cookie.includes(token)).toBe(false);

    const me = await get('/portal/api/session', cookie);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ consumer: { id: c.id, name: 'Beta', uid: 'cust_beta' }, permissions: 'manage' });

    expect((await get(`${link.pathname}${link.search}`)).status).toBe(401);
    expect((await get('/portal/api/session')).status).toBe(401);
    expect((await get('/portal/api/session', 'herald_portal=not-a-session')).status).toBe(401);

    const rows = await h.db.selectFrom('portal_sessions').selectAll().where('team_id', '=', team.teamId).execute();
    expect(JSON.stringify(rows).includes(token)).toBe(false);
    expect(JSON.stringify(rows).includes(cookie.split('=')[1]!)).toBe(false);
    expect(output.text().includes(token)).toBe(false);
  });

  it('ends sessions when revoked or expired', async () => {
    const team = await h.createTeam();
    const api = h.client(team.key);
    const c = await api.projects.create.mutate({ name: 'Gamma' });
    const open = async () => {
      const s = await api.portal.createSession.mutate({ projectId: c.id });
      const link = new URL(s.url);
      return { id: s.id, cookie: String((await get(`${link.pathname}${link.search}`)).headers['set-cookie']).split(';')[0]! };
    };
    const a = await open();
    const b = await open();
    expect((await get('/portal/api/session', a.cookie)).status).toBe(200);
    expect(await api.portal.revokeSessions.mutate({ projectId: c.id })).toEqual({ projectId: c.id, revoked: 2 });
    expect((await get('/portal/api/session', a.cookie)).status).toBe(401);
    expect((await get('/portal/api/session', b.cookie)).status).toBe(401);

    const d = await open();
    await h.db
      .updateTable('portal_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', d.id)
      .execute();
    expect((await get('/portal/api/session', d.cookie)).status).toBe(401);
  });

  it('creates sessions for admin keys of the consumer’s own team only, with clear errors for bad input', async () => {
    const team = await h.createTeam();
    const api = h.client(team.key);
    const c = await api.projects.create.mutate({ name: 'Delta', uid: 'cust_delta' });
    const other = await h.createTeam();
    expect(await errorOf(h.client(other.key).portal.createSession.mutate({ projectId: c.id }))).toMatchObject({ status: 404 });
    expect(await errorOf(h.client(other.key).portal.createSession.mutate({ uid: 'cust_delta' }))).toMatchObject({ status: 404 });
    const reader = await api.apiKeys.create.mutate({ name: 'reader', scope: 'read' });
    expect(await errorOf(h.client(reader.key).portal.createSession.mutate({ projectId: c.id }))).toMatchObject({ status: 403 });
    expect(await errorOf(api.portal.createSession.mutate({ projectId: c.id, ttlSeconds: 10 }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/ttlSeconds.*60–86400/),
    });
    expect(await errorOf(api.portal.createSession.mutate({ projectId: c.id, uid: 'cust_delta' }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/consumer/),
    });
    expect(await errorOf(api.portal.createSession.mutate({ projectId: c.id, theme: { primaryColor: 'red' } }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/theme\.primaryColor/),
    });
  });

  it('offers the same through REST, in the OpenAPI document', async () => {
    const team = await h.createTeam();
    const H = { 'content-type': 'application/json', 'x-api-key': team.key };
    const created = await request(`${h.apiUrl}/v1/projects`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({ name: 'Rest', uid: 'cust_rest' }),
    });
    expect(created.statusCode).toBe(201);
    const c = (await created.body.json()) as { id: string };
    const s = await request(`${h.apiUrl}/v1/portal/sessions`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({ uid: 'cust_rest', permissions: 'read' }),
    });
    expect(s.statusCode).toBe(201);
    expect(await s.body.json()).toMatchObject({
      projectId: c.id,
      permissions: 'read',
      url: expect.stringContaining('/portal/session?token='),
    });
    const doc = (await (await request(`${h.apiUrl}/openapi.json`)).body.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/portal/sessions', '/v1/portal/sessions/revoke', '/v1/projects/{id}']),
    );
  });
});
