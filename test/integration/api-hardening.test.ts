import net from 'node:net';
import fc from 'fast-check';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/api/app-router.js';
import { createHarness, type Harness } from '../support/harness.js';

describe('per-key API rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_API_RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => h?.close());

  it('answers TOO_MANY_REQUESTS with api.video-style rate-limit headers', async () => {
    const { key } = await h.createTeam();
    const call = () => fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { 'x-api-key': key } });
    const first = await call();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
    for (let i = 0; i < 4; i++) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-ratelimit-retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(await limited.json())).toContain('TOO_MANY_REQUESTS');
    const other = await h.createTeam();
    expect((await fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { 'x-api-key': other.key } })).status).toBe(200);
  });
});

/** `{ a: { a: … 1 } }`, n levels deep. */
function deepObject(n: number): unknown {
  return n ? { a: deepObject(n - 1) } : 1;
}

const FOUR_XX = new Set(['BAD_REQUEST', 'NOT_FOUND', 'CONFLICT', 'UNAUTHORIZED', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_REQUESTS', 'UNPROCESSABLE_CONTENT']);

describe('hostile input never gets a 500 and never changes stored data', () => {
  let h: Harness;
  let key: string;
  let webhookId: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000' } });
    ({ key } = await h.createTeam());
    const api = h.caller(key);
    await api.eventTypes.create({ name: 'video.media.ready', description: '' });
    webhookId = (await api.webhooks.create({ name: 'keep', url: 'http://127.0.0.1:9/keep', eventTypes: ['video.media.ready'], active: false })).id;
  });
  afterAll(async () => h?.close());

  const snapshot = async () => JSON.stringify(await h.db.selectFrom('webhooks').selectAll().orderBy('id').execute());

  const hostile = fc.oneof(
    fc.anything({ maxDepth: 4 }),
    fc.record({ id: fc.oneof(fc.string(), fc.constant('wh_00000000000000000000')), name: fc.string({ maxLength: 5000 }), url: fc.webUrl(), eventTypes: fc.array(fc.string()) }, { requiredKeys: [] }),
    fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
    fc.constant({ name: 'x'.repeat(100_000) }),
    fc.constant({ id: 'wh_00000000000000000000', headers: { ['a'.repeat(10)]: '\u0000\r\n' } }),
    fc.constant(deepObject(200)),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
  );

  it('every procedure answers random and adversarial input with a 4xx and a message', async () => {
    const before = await snapshot();
    expect(before).toContain(webhookId);
    const api = h.caller(key) as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
    const procedures = Object.keys(appRouter._def.procedures)
      .map((path) => path.split('.') as [string, string])
      .filter(([r, p]) => !(r === 'webhooks' && p === 'create'));
    expect(procedures.length).toBeGreaterThan(25);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...procedures), hostile, async ([r, p], input) => {
        try {
          await api[r]![p]!(input);
        } catch (err) {
          expect(err).toBeInstanceOf(TRPCError);
          const e = err as TRPCError;
          expect(FOUR_XX.has(e.code), `${r}.${p} answered ${e.code}: ${e.message}`).toBe(true);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Stored webhooks are untouched: nothing generated here names the stored webhook's id.
    expect(await snapshot()).toBe(before);
  });

  it('serves other clients while slow-loris connections trickle their headers', async () => {
    const { port } = new URL(h.apiUrl);
    const sockets = Array.from({ length: 30 }, () => net.connect(Number(port), '127.0.0.1'));
    for (const s of sockets) {
      s.on('error', () => undefined);
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    }
    const t0 = Date.now();
    const res = await fetch(`${h.apiUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2_000);
    for (const s of sockets) s.destroy();
  });

  it('answers malformed HTTP with 4xx: bad JSON, wrong content type, unknown route', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${h.apiUrl}/trpc/webhooks.create`, { method: 'POST', headers: { 'content-type': type, 'x-api-key': key }, body });
    expect((await post('{"name":')).status).toBe(400);
    expect((await post('name=x', 'application/x-www-form-urlencoded')).status).toBeGreaterThanOrEqual(400);
    expect((await post('name=x', 'application/x-www-form-urlencoded')).status).toBeLessThan(500);
    expect((await fetch(`${h.apiUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${h.apiUrl}/trpc/nope.nope`, { headers: { 'x-api-key': key } })).status).toBe(404);
  });
});
