import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, mapResolver } from '../support/harness.js';

/** The error code and message of a rejected call. */
async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; httpStatus?: number }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return { code: err.data?.code, message: err.message, httpStatus: err.data?.httpStatus };
    const e = err as { code?: string; message: string };
    return { code: e.code ?? 'UNKNOWN', message: e.message };
  }
  throw new Error('expected the call to be rejected');
}

const base = { name: 'hook', url: 'https://hooks.example.com/in', eventTypes: ['video.media.ready'] };

describe('webhooks API (secure defaults: https, port 443, public addresses)', () => {
  let h: Harness;
  let key: string;
  let api: ReturnType<Harness['client']>;

  beforeAll(async () => {
    h = await createHarness({
      worker: false,
      env: { HERALD_ALLOW_PRIVATE_TARGETS: 'false' },
      resolve: mapResolver({
        'hooks.example.com': ['93.184.215.14'],
        'internal.example.com': ['10.0.0.7'],
        'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
      }),
    });
    ({ key } = await h.createTeam());
    api = h.client(key);
    await api.eventTypes.import.mutate({ catalog: 'fastpix' });
    await api.eventTypes.create.mutate({ name: 'video.media.ready.extra', description: 'x' }).catch(() => undefined);
  });
  afterAll(async () => h?.close());

  it('creates a webhook with documented defaults and a Standard Webhooks secret', async () => {
    const w = await api.webhooks.create.mutate(base);
    expect(w).toMatchObject({
      httpMethod: 'POST',
      active: true,
      rateLimitPerSecond: 10,
      retryPolicy: { kind: 'window', windowMinutes: 1440 },
      headers: {},
      projectId: null,
    });
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);
    const got = await api.webhooks.get.query({ id: w.id });
    expect(got).not.toHaveProperty('secret');
    expect(got).toMatchObject({ queueLength: 0, retryQueueLength: 0, latestRun: null });
    await api.webhooks.delete.mutate({ id: w.id });
  });

  it.each([
    ['name', { name: '' }, 'name: must be 1–47 characters'],
    ['name', { name: 'x'.repeat(48) }, 'name: must be 1–47 characters'],
    ['description', { description: 'd'.repeat(256) }, 'description: must be at most 255 characters'],
    ['url', { url: '' }, 'url: is required'],
    ['url', { url: `https://hooks.example.com/${'a'.repeat(4097)}` }, 'url: must be at most 4096 characters'],
    ['url', { url: 'http://hooks.example.com/in' }, 'url: only https is allowed'],
    ['url', { url: 'https://hooks.example.com:8443/in' }, 'url: only port 443 is allowed'],
    ['url', { url: 'https://internal.example.com/in' }, 'url: host resolves to a non-public address'],
    ['url', { url: 'https://mixed.example.com/in' }, 'url: host resolves to a non-public address'],
    ['url', { url: 'https://2130706433/in' }, 'url:'],
    ['url', { url: 'https://user:pw@hooks.example.com/in' }, 'url: credentials are not allowed'],
    ['httpMethod', { httpMethod: 'GET' }, 'httpMethod: must be POST, PUT or PATCH'],
    ['rateLimitPerSecond', { rateLimitPerSecond: 0 }, 'rateLimitPerSecond: must be 1–1000'],
    ['rateLimitPerSecond', { rateLimitPerSecond: 1001 }, 'rateLimitPerSecond: must be 1–1000'],
    ['maxInFlight', { maxInFlight: 0 }, 'maxInFlight: must be 1–50'],
    ['maxInFlight', { maxInFlight: 51 }, 'maxInFlight: must be 1–50'],
    ['maxInFlight', { maxInFlight: 2.5 }, 'maxInFlight: must be an integer'],
    ['retryPolicy', { retryPolicy: { kind: 'window', windowMinutes: 1441 } }, 'retryPolicy.windowMinutes: must be 0–1440'],
    ['retryPolicy', { retryPolicy: { kind: 'attempts', maxAttempts: 51, intervalSeconds: 3 } }, 'retryPolicy.maxAttempts: must be 1–50'],
    ['eventTypes', { eventTypes: [] }, 'eventTypes: must list 1 or more event types'],
    ['eventTypes', { eventTypes: ['no.such.type'] }, 'eventTypes: unknown event types: no.such.type'],
    ['headers', { headers: { Host: 'evil' } }, 'headers.Host: header is reserved'],
    ['headers', { headers: { 'X-Bad': 'a\r\nb' } }, 'headers.X-Bad: header value must be printable ASCII'],
  ])('refuses a bad %s with BAD_REQUEST naming the field and rule (%j)', async (_field, patch, message) => {
    const r = await rejection(api.webhooks.create.mutate({ ...base, ...patch } as never));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain(message);
  });

  it.each([
    [{ name: 'x'.repeat(47) }],
    [{ description: 'd'.repeat(255) }],
    [{ rateLimitPerSecond: 1 }],
    [{ rateLimitPerSecond: 1000 }],
    [{ maxInFlight: 1 }],
    [{ maxInFlight: 50 }],
    [{ retryPolicy: { kind: 'window', windowMinutes: 0 } }],
    [{ retryPolicy: { kind: 'window', windowMinutes: 1440 } }],
    [{ retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 3, backoff: 'fixed' } }],
    [{ httpMethod: 'PATCH' }],
    [{ url: 'https://hooks.example.com:443/in' }],
    [{ eventTypes: ['video.*'] }],
    [{ eventTypes: ['*'] }],
  ])('accepts the boundary value %j', async (patch) => {
    const w = await api.webhooks.create.mutate({ ...base, active: false, ...patch } as never);
    await api.webhooks.delete.mutate({ id: w.id });
  });

  it('refuses an unknown project with NOT_FOUND "project not found"', async () => {
    const r = await rejection(api.webhooks.create.mutate({ ...base, projectId: 'prj_nope' }));
    expect(r).toMatchObject({ code: 'NOT_FOUND' });
    expect(r.message).toContain('project not found');
  });

  it('enforces 10 active webhooks per team on create and on activation, not counting inactive ones', async () => {
    const { key: k2 } = await h.createTeam();
    const api2 = h.client(k2);
    await api2.eventTypes.import.mutate({ catalog: 'fastpix' });
    const inactive = await api2.webhooks.create.mutate({ ...base, active: false });
    for (let i = 0; i < 10; i++) await api2.webhooks.create.mutate({ ...base, name: `h${i}` });
    const onCreate = await rejection(api2.webhooks.create.mutate(base));
    expect(onCreate.code).toBe('CONFLICT');
    expect(onCreate.httpStatus).toBe(409);
    expect(onCreate.message).toContain('at most 10 active webhooks');
    const onActivate = await rejection(api2.webhooks.update.mutate({ id: inactive.id, active: true }));
    expect(onActivate.code).toBe('CONFLICT');
    expect((await api2.webhooks.create.mutate({ ...base, active: false })).active).toBe(false);
    const list = await api2.webhooks.list.query({ active: true });
    expect(list.pagination.itemsTotal).toBe(10);
  });

  it('pages with page/pageSize and filters by event type, project and active', async () => {
    const { key: k3 } = await h.createTeam();
    const api3 = h.client(k3);
    await api3.eventTypes.import.mutate({ catalog: 'fastpix' });
    const project = await api3.projects.create.mutate({ name: 'p1' });
    for (let i = 0; i < 7; i++)
      await api3.webhooks.create.mutate({
        ...base,
        name: `a${i}`,
        active: i < 5,
        eventTypes: i % 2 ? ['video.media.ready'] : ['video.*'],
        projectId: i === 0 ? project.id : undefined,
      });
    const page2 = await api3.webhooks.list.query({ page: 2, pageSize: 3 });
    expect(page2.pagination).toEqual({ currentPage: 2, pageSize: 3, pagesTotal: 3, itemsTotal: 7 });
    expect(page2.data.map((w) => w.name)).toEqual(['a3', 'a4', 'a5']);
    expect((await api3.webhooks.list.query({ page: 4, pageSize: 3 })).data).toEqual([]);
    expect((await api3.webhooks.list.query({ active: false })).pagination.itemsTotal).toBe(2);
    expect((await api3.webhooks.list.query({ projectId: project.id })).data.map((w) => w.name)).toEqual(['a0']);
    expect((await api3.webhooks.list.query({ eventType: 'video.media.failed' })).pagination.itemsTotal).toBe(4);
    expect((await api3.webhooks.list.query({ eventType: 'video.media.ready' })).pagination.itemsTotal).toBe(7);
    const bad = await rejection(api3.webhooks.list.query({ pageSize: 101 }));
    expect(bad.message).toContain('pageSize: must be 1–100');
  });

  it('updates partially and keeps the other fields', async () => {
    const w = await api.webhooks.create.mutate({ ...base, active: false, description: 'keep me' });
    const u = await api.webhooks.update.mutate({ id: w.id, name: 'renamed' });
    expect(u).toMatchObject({ name: 'renamed', description: 'keep me', url: base.url });
    await api.webhooks.delete.mutate({ id: w.id });
  });

  it('rotates the secret and keeps the old one valid for the grace period', async () => {
    const w = await api.webhooks.create.mutate({ ...base, active: false });
    const rotated = await api.webhooks.rotateSecret.mutate({ id: w.id });
    expect(rotated.secret).not.toBe(w.secret);
    const s = await api.webhooks.getSecret.query({ id: w.id });
    expect(s.secret).toBe(rotated.secret);
    expect(s.previousSecret).toBe(w.secret);
    const hours = (Date.parse(s.previousSecretExpiresAt!) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
  });

  it('answers plain curl-style JSON over HTTP, with X-API-KEY auth', async () => {
    const res = await fetch(`${h.apiUrl}/trpc/webhooks.list?input=${encodeURIComponent(JSON.stringify({ page: 1, pageSize: 1 }))}`, {
      headers: { 'x-api-key': key },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { pagination: { pageSize: number } } } };
    expect(body.result.data.pagination.pageSize).toBe(1);
    const missingUrl = await fetch(`${h.apiUrl}/trpc/webhooks.create`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', eventTypes: ['video.media.ready'] }),
    });
    expect(missingUrl.status).toBe(400);
    expect(JSON.stringify(await missingUrl.json())).toContain('url');
  });
});
