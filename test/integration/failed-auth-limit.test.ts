import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

describe('failed authentications per client address', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_AUTH_FAIL_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => h?.close());

  const list = (key: string) => fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { authorization: `Bearer ${key}` } });

  it('answers 429 after the limit, without touching the database, even for a valid key', async () => {
    const { key } = await h.createTeam();
    for (let i = 0; i < 3; i++) expect((await list(`hk_deadbeef_bad${i}`)).status).toBe(401);

    // Count every use of the database from here on.
    const realDb = h.deps.db;
    let dbUses = 0;
    h.deps.db = new Proxy(realDb, {
      get: (target, prop) => {
        dbUses++;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    try {
      const refused = await list('hk_deadbeef_bad3');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /^too many failed authentications from this address; retry in \d+ s$/,
      );
      // The address is blocked, not just bad keys: a valid key from it waits too.
      expect((await list(key)).status).toBe(429);
      expect(dbUses).toBe(0);
      // The count is real: a lookup (in-process, no address, so not limited) shows up in it.
      await expect(h.caller('hk_deadbeef_inproc').webhooks.list()).rejects.toThrow('invalid or revoked API key');
      expect(dbUses).toBeGreaterThan(0);
    } finally {
      h.deps.db = realDb;
    }
  });

  it('counts missing and unknown keys, never valid ones', async () => {
    const other = await createHarness({ worker: false, env: { HERALD_AUTH_FAIL_LIMIT_PER_MINUTE: '3' } });
    try {
      const { key } = await other.createTeam();
      const get = (k?: string) => fetch(`${other.apiUrl}/trpc/webhooks.list`, { headers: k ? { authorization: `Bearer ${k}` } : {} });
      for (let i = 0; i < 5; i++) expect((await get(key)).status).toBe(200);
      expect((await get()).status).toBe(401);
      expect((await get(key)).status).toBe(200);
      expect((await get('hk_deadbeef_bad')).status).toBe(401);
      expect((await get()).status).toBe(401);
      // Three failures: the address is blocked, a valid key from it too.
      expect((await get(key)).status).toBe(429);
      expect((await get()).status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it("looks a batch's key up once and counts it as one failure; a batch above 50 calls is refused before any lookup", async () => {
    const other = await createHarness({ worker: false, env: { HERALD_AUTH_FAIL_LIMIT_PER_MINUTE: '20' } });
    const realDb = other.deps.db;
    let lookups = 0;
    other.deps.db = new Proxy(realDb, {
      get: (target, prop) => {
        if (prop === 'selectFrom') lookups++;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    try {
      const batch = (n: number) =>
        fetch(`${other.apiUrl}/trpc/${Array(n).fill('webhooks.list').join(',')}?batch=1&input=${encodeURIComponent('{}')}`, {
          headers: { authorization: 'Bearer hk_deadbeef_made_up' },
        });
      const tooMany = await batch(300);
      expect(tooMany.status).toBe(400);
      expect(((await tooMany.json()) as { error: { message: string } }).error.message).toBe('Batch call exceeds maximum size');
      expect(lookups).toBe(0);
      // 20 requests of 50 bad calls each: 1,000 calls, one lookup per request, then the block.
      for (let i = 0; i < 20; i++) {
        const r = await batch(50);
        expect(r.status).toBe(401);
        const body = (await r.json()) as { error: { data: { code: string } } }[];
        expect(body).toHaveLength(50);
        expect(new Set(body.map((c) => c.error.data.code))).toEqual(new Set(['UNAUTHORIZED']));
      }
      expect(lookups).toBe(20);
      expect((await batch(50)).status).toBe(429);
      expect(lookups).toBe(20);
    } finally {
      other.deps.db = realDb;
      await other.close();
    }
  });
});
