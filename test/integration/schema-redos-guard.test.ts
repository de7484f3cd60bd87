import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { isOperationalEventType } from '../../src/catalogs/operational-events.js';

/** The known ReDoS pattern: exponential backtracking on `aaaa…!`. */
const REDOS = '^(a+)+$';

describe('ReDoS guard on tenant JSON Schemas', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    key = (await h.createTeam()).key;
  });
  afterAll(async () => h?.close());

  /** POSTs over HTTP, so the message is the formatted one a client sees. */
  async function post(procedure: string, body: unknown): Promise<{ status: number; message?: string }> {
    const res = await fetch(`${h.apiUrl}/trpc/${procedure}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { error?: { message: string } };
    return { status: res.status, message: json.error?.message };
  }

  it('eventTypes.create refuses a catastrophic `pattern` with 400 naming the field, quickly', async () => {
    const t0 = Date.now();
    const r = await post('eventTypes.create', {
      name: 'user.created',
      schema: { type: 'object', properties: { name: { type: 'string', pattern: REDOS } } },
    });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/^schema\.properties\.name\.pattern: pattern may backtrack catastrophically \(ReDoS/);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await h.caller(key).eventTypes.list()).data.filter((t) => !isOperationalEventType(t.name))).toEqual([]);
  });

  it('eventTypes.create refuses a catastrophic pattern under a property named `default`, and a $ref into an `examples` member', async () => {
    const r = await post('eventTypes.create', {
      name: 'user.defaulted',
      schema: { type: 'object', properties: { default: { type: 'string', pattern: REDOS } } },
    });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/^schema\.properties\.default\.pattern: pattern may backtrack catastrophically/);
    const smuggled = await post('eventTypes.create', {
      name: 'user.smuggled',
      schema: { examples: [{ pattern: REDOS }], properties: { s: { $ref: '#/examples/0' } } },
    });
    expect(smuggled.status).toBe(400);
    expect(smuggled.message).toBe('schema.properties.s.$ref: must point at a schema position; "examples" holds data, not a schema');
  });

  it('eventTypes.create refuses a catastrophic patternProperties key', async () => {
    const r = await post('eventTypes.create', {
      name: 'user.tagged',
      schema: { type: 'object', patternProperties: { '(a|a)*$': { type: 'string' } } },
    });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/^schema\.patternProperties\["\(a\|a\)\*\$"\]: pattern may backtrack catastrophically/);
  });

  it('eventTypes.update and eventTypes.import refuse one too, and a safe pattern still works end to end', async () => {
    const safe = { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]{2}[0-9]{6}$' } } };
    expect((await post('eventTypes.create', { name: 'order.paid', schema: safe })).status).toBe(200);
    const upd = await post('eventTypes.update', {
      name: 'order.paid',
      schema: { type: 'object', properties: { sku: { type: 'string', pattern: REDOS } } },
    });
    expect(upd.status).toBe(400);
    expect(upd.message).toMatch(/^schema\.properties\.sku\.pattern: /);
    const imp = await post('eventTypes.import', { eventTypes: [{ name: 'a.ok' }, { name: 'b.bad', schema: { pattern: REDOS } }] });
    expect(imp.status).toBe(400);
    expect(imp.message).toMatch(/^eventTypes\.1\.schema\.pattern: /);
    // The safe schema stayed in force: it still validates publishes.
    const api = h.caller(key);
    await expect(api.events.publish({ type: 'order.paid', data: { sku: 'nope' } })).rejects.toThrow(/must match pattern/);
    expect((await api.events.publish({ type: 'order.paid', data: { sku: 'AB123456' } })).type).toBe('order.paid');
  });
});
