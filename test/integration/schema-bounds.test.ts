import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

const flat = (n: number) => ({
  type: 'object',
  properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`field_${i}`, { type: 'string', maxLength: 50 }])),
});

describe('tenant schemas cannot stall the shared event loop', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    key = (await h.createTeam()).key;
  });
  afterAll(async () => h?.close());

  async function post(procedure: string, body: unknown): Promise<{ status: number; message?: string }> {
    const res = await fetch(`${h.apiUrl}/trpc/${procedure}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, message: ((await res.json()) as { error?: { message: string } }).error?.message };
  }

  it('refuses a 2,000-property schema without compiling it, while a concurrent /healthz answers within 500 ms', async () => {
    const created = post('eventTypes.create', { name: 'wide.schema', schema: flat(2_000) });
    // Compiling it took 2.4 s of blocked event loop before the bound.
    const t0 = Date.now();
    expect((await fetch(`${h.apiUrl}/healthz`)).status).toBe(200);
    const healthMs = Date.now() - t0;
    const r = await created;
    expect(r.status).toBe(400);
    expect(r.message).toMatch(
      /^schema: must hold at most 256 schemas, the root and its subschemas \(properties, items, …\) counted \(got 2001\)/,
    );
    expect(healthMs).toBeLessThan(500);
    expect((await post('eventTypes.create', { name: 'fair.schema', schema: flat(100) })).status).toBe(200);
  });

  it('refuses uniqueItems over object items without maxItems, and accepts it over scalars', async () => {
    const r = await post('eventTypes.create', {
      name: 'tags.objects',
      schema: { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'object' } } } },
    });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/^schema\.properties\.tags\.uniqueItems: needs `items` of scalar types .* or `maxItems` of at most 200/);
    expect(
      (await post('eventTypes.create', { name: 'tags.strings', schema: { type: 'array', uniqueItems: true, items: { type: 'string' } } }))
        .status,
    ).toBe(200);
  });

  it('bounds the schemas one import compiles in all', async () => {
    const eventTypes = Array.from({ length: 10 }, (_, i) => ({ name: `bulk.t${i}`, schema: flat(250) }));
    const r = await post('eventTypes.import', { eventTypes });
    expect(r.status).toBe(400);
    expect(r.message).toBe(
      'eventTypes: their schemas must hold at most 2000 schemas in all, subschemas counted (got 2510); import them in smaller parts',
    );
  });
});
