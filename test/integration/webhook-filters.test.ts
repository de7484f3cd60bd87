import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/delivery/webhook-filter.js';
import { filterPassesSample } from '../../src/repositories/webhooks-repo.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';

// Filters are evaluated by PostgreSQL on the data text the receiver gets (delivery/webhook-filter.ts).
describe('webhook filters', () => {
  let h: Harness;
  let rx: Receiver;
  beforeAll(async () => {
    h = await createHarness();
    rx = await startReceiver(() => ({ status: 200 }));
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  /** Whether `filter` passes an event of type `order.paid` whose data is the JSON text `data`. */
  async function passes(filter: unknown, data: string, type = 'order.paid'): Promise<boolean> {
    return filterPassesSample(h.db, compileFilter(filter), type, data);
  }

  it.each([
    // equality, $eq, $ne
    [{ 'data.amount': 1000 }, '{"amount":1000}', true],
    [{ 'data.amount': { $eq: 1000 } }, '{"amount":999}', false],
    [{ 'data.amount': { $ne: 1000 } }, '{"amount":999}', true],
    [{ 'data.amount': { $ne: 1000 } }, '{}', true],
    [{ type: 'order.paid' }, '{}', true],
    [{ type: { $in: ['order.refunded'] } }, '{}', false],
    // order comparisons on numbers and strings
    [{ 'data.amount': { $gt: 1000 } }, '{"amount":1000.5}', true],
    [{ 'data.amount': { $gte: 1000, $lt: 2000 } }, '{"amount":2000}', false],
    [{ 'data.amount': { $lte: 10 } }, '{"amount":-3}', true],
    [{ 'data.name': { $gt: 'm' } }, '{"name":"zed"}', true],
    [{ 'data.name': { $lt: 'b' } }, '{"name":"abc"}', true],
    // across types: false, never an error, and $ne of it true
    [{ 'data.amount': { $gt: 5 } }, '{"amount":"9"}', false],
    [{ 'data.amount': 5 }, '{"amount":"5"}', false],
    [{ 'data.amount': { $ne: 5 } }, '{"amount":"5"}', true],
    // $in, $nin
    [{ 'data.currency': { $in: ['EUR', 'USD'] } }, '{"currency":"USD"}', true],
    [{ 'data.currency': { $nin: ['EUR', 'USD'] } }, '{"currency":"USD"}', false],
    [{ 'data.currency': { $nin: ['EUR', 'USD'] } }, '{}', true],
    // $exists, nulls and missing paths
    [{ 'data.meta': { $exists: true } }, '{"meta":null}', true],
    [{ 'data.meta': { $exists: false } }, '{"meta":null}', false],
    [{ 'data.meta': { $exists: false } }, '{}', true],
    [{ 'data.meta': null }, '{"meta":null}', true],
    [{ 'data.meta': null }, '{}', false],
    [{ 'data.a.b.c': 1 }, '{"a":{"b":{"c":1}}}', true],
    [{ 'data.a.b.c': 1 }, '{"a":"not an object"}', false],
    // arrays: any element
    [{ 'data.tags': 'vip' }, '{"tags":["new","vip"]}', true],
    [{ 'data.tags': { $ne: 'vip' } }, '{"tags":["new","vip"]}', false],
    [{ 'data.items.sku': 'B' }, '{"items":[{"sku":"A"},{"sku":"B"}]}', true],
    [{ 'data.scores': { $gt: 90 } }, '{"scores":[10,95]}', true],
    // booleans
    [{ 'data.live': true }, '{"live":true}', true],
    [{ 'data.live': false }, '{"live":1}', false],
    // big integers beyond 2^53: exact, as the receiver's text says
    [{ 'data.n': { $decimal: '9007199254740993' } }, '{"n":9007199254740993}', true],
    [{ 'data.n': { $decimal: '9007199254740992' } }, '{"n":9007199254740993}', false],
    [{ 'data.n': { $lt: 9007199254740991 } }, '{"n":9007199254740990}', true],
    [{ 'data.n': { $gt: { $decimal: '9007199254740992' } } }, '{"n":9007199254740993}', true],
    // decimals: 1.0 is 1, 1e400 is a number larger than any double
    [{ 'data.n': 1 }, '{"n":1.0}', true],
    [{ 'data.n': { $gt: 1e300 } }, '{"n":1e400}', true],
    [{ 'data.n': { $decimal: '1e400' } }, '{"n":1E+400}', true],
    [{ 'data.n': 0.1 }, '{"n":0.10}', true],
    // unicode: exact code points, compared by code point
    [{ 'data.s': 'café' }, '{"s":"caf\\u00e9"}', true],
    [{ 'data.s': 'café' }, '{"s":"cafe\\u0301"}', false],
    [{ 'data.s': { $gt: 'z' } }, '{"s":"é"}', true],
    [{ 'data.s': '😀' }, '{"s":"\\ud83d\\ude00"}', true],
    [{ 'data.ключ': 'значение' }, '{"ключ":"значение"}', true],
    // $and, $or, $not
    [{ $or: [{ 'data.a': 1 }, { 'data.b': 2 }] }, '{"b":2}', true],
    [{ $and: [{ 'data.a': 1 }, { 'data.b': 2 }] }, '{"b":2}', false],
    [{ $not: { 'data.a': { $exists: true } } }, '{"b":2}', true],
    [{ $not: { $or: [{ 'data.a': 1 }, { 'data.b': 2 }] } }, '{"a":3}', true],
  ])('%j against %s passes: %s', async (filter, data, expected) => {
    expect(await passes(filter, data)).toBe(expected);
  });

  it('refuses a bad filter at create and at update with BAD_REQUEST naming the path and rule, and keeps the stored one', async () => {
    const t = await teamWithType(h, 'order.paid');
    const base = { name: 'f', url: `${rx.url}/f`, eventTypes: ['order.paid'] };
    const created = await t.api.webhooks.create.mutate({ ...base, filter: { 'data.amount': { $gt: 10 } } });
    const err = await t.api.webhooks.create
      .mutate({ ...base, filter: { 'data.amount': { $gt: true } } })
      .catch((e: Error & { data?: { code?: string } }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { data?: { code?: string } }).data?.code).toBe('BAD_REQUEST');
    expect((err as Error).message).toContain('filter.data.amount.$gt: takes a number or a string');
    const upd = await t.api.webhooks.update.mutate({ id: created.id, filter: { amount: 1 } }).catch((e: Error) => e);
    expect((upd as Error).message).toContain('filter.amount: a path starts with `data`');
    expect((await t.api.webhooks.get.query({ id: created.id })).filter).toEqual({ 'data.amount': { $gt: 10 } });
    const cleared = await t.api.webhooks.update.mutate({ id: created.id, filter: null });
    expect(cleared.filter).toBeNull();
  });

  it('a publish to 20 webhooks with mixed filters starts exactly the matching deliveries, counted in Temporal', async () => {
    const t = await teamWithType(h, 'order.paid', { maxActiveWebhooks: 20 });
    const filters: (Record<string, unknown> | null)[] = [
      null,
      { 'data.amount': { $gt: 1000 } },
      { 'data.amount': { $gt: 5000 } },
      { 'data.currency': 'EUR' },
      { 'data.currency': { $in: ['USD', 'GBP'] } },
      { 'data.tags': 'vip' },
      { 'data.tags': 'new' },
      { 'data.customer.id': { $decimal: '9007199254740993' } },
      { 'data.customer.id': 9007199254740991 },
      { type: 'order.paid' },
    ];
    const matching = new Set([0, 1, 3, 5, 7, 9]);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const w = await t.api.webhooks.create.mutate({
        name: `m${i}`,
        url: `${rx.url}/m${i}`,
        eventTypes: ['order.paid'],
        filter: filters[i % 10],
      });
      ids.push(w.id);
    }
    const expected = ids.filter((_, i) => matching.has(i % 10)).sort();
    // Raw JSON over REST: the customer id is beyond 2^53, which a JS object cannot carry exactly.
    const e = await publishRaw(
      t.key,
      '{"type":"order.paid","data":{"amount":1200.5,"currency":"EUR","tags":["vip"],"customer":{"id":9007199254740993}}}',
    );
    const workflows = async () => {
      const found: string[] = [];
      for await (const w of h.temporal.workflow.list({ query: `EventId = '${e.id}' AND WorkflowType != 'dispatchWorkflowV2'` }))
        found.push(w.workflowId);
      return found;
    };
    await waitFor(async () => (await workflows()).length >= expected.length, 30_000, 'the matching delivery workflows in visibility');
    const rows = await h.db.selectFrom('deliveries').select('webhook_id').where('event_id', '=', e.id).execute();
    expect(rows.map((r) => r.webhook_id).sort()).toEqual(expected);
    expect((await workflows()).length).toBe(expected.length);
    await waitFor(() => rx.arrivals.filter((a) => a.path.startsWith('/hook/m')).length >= expected.length, 30_000, 'arrivals');
    const paths = rx.arrivals.filter((a) => a.path.startsWith('/hook/m')).map((a) => Number(a.path.slice('/hook/m'.length)));
    expect(paths.every((i) => matching.has(i % 10))).toBe(true);
  });

  it('a publish to 4 webhooks, a direct fan-out, writes rows and starts deliveries for the passing filters only', async () => {
    const t = await teamWithType(h, 'order.paid');
    const filters = [
      { 'data.amount': { $gt: 100 } },
      { 'data.amount': { $lte: 100 } },
      { 'data.region': { $exists: false } },
      { $not: { type: 'order.paid' } },
    ];
    const ids: string[] = [];
    for (const [i, filter] of filters.entries())
      ids.push((await t.api.webhooks.create.mutate({ name: `d${i}`, url: `${rx.url}/d${i}`, eventTypes: ['order.paid'], filter })).id);
    const e = await t.api.events.publish.mutate({ type: 'order.paid', data: { amount: 250 } });
    await waitFor(() => rx.arrivals.filter((a) => a.path.startsWith('/hook/d')).length >= 2, 20_000, 'two arrivals');
    const rows = await h.db.selectFrom('deliveries').select('webhook_id').where('event_id', '=', e.id).execute();
    expect(rows.map((r) => r.webhook_id).sort()).toEqual([ids[0], ids[2]].sort());
    expect(
      rx.arrivals
        .filter((a) => a.path.startsWith('/hook/d'))
        .map((a) => a.path)
        .sort(),
    ).toEqual(['/hook/d0', '/hook/d2']);
  });

  it("previews a given filter, or a webhook's stored one, on a sample event without sending, over tRPC and REST", async () => {
    const t = await teamWithType(h, 'order.paid');
    const before = rx.arrivals.length;
    const filter = { 'data.amount': { $gt: 1000 } };
    expect(await t.api.webhooks.previewFilter.mutate({ filter, type: 'order.paid', data: { amount: 1001 } })).toEqual({
      matches: true,
      filter,
    });
    expect((await t.api.webhooks.previewFilter.mutate({ filter, type: 'order.paid', data: { amount: 10 } })).matches).toBe(false);
    const w = await t.api.webhooks.create.mutate({ name: 'p', url: `${rx.url}/p`, eventTypes: ['order.paid'], filter });
    const res = await fetch(`${h.apiUrl}/v1/webhooks/filter-preview`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'application/json' },
      body: JSON.stringify({ id: w.id, type: 'order.paid', data: { amount: 5000 } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ matches: true, filter });
    const bad = await t.api.webhooks.previewFilter.mutate({ type: 'order.paid', data: {} } as never).catch((e: Error) => e);
    expect((bad as Error).message).toContain('filter: give exactly one of id or filter');
    expect(rx.arrivals.length).toBe(before);
  });

  async function publishRaw(key: string, body: string): Promise<{ id: string }> {
    const res = await fetch(`${h.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as { id: string };
  }
});
