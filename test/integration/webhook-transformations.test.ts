import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTransformationVersions } from '../../src/repositories/webhook-transformations-repo.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// Transformations run in the worker's sandbox at attempt time (delivery/transform-sandbox.ts).
describe('webhook transformations', () => {
  let h: Harness;
  let rx: Receiver;
  let base: string;
  beforeAll(async () => {
    h = await createHarness();
    rx = await startReceiver(() => ({ status: 200 }));
    base = rx.url.replace(/\/hook$/, '');
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  it('sends the body, headers, method and URL the transformation builds, signed over that body, and records its version', async () => {
    const t = await teamWithType(h, 'order.paid');
    const source = `(event) => ({
      body: { text: event.data.name + " paid " + event.data.amount, id: event.id },
      headers: { "X-Order": String(event.data.order) },
      method: "PUT",
      url: "${base}/slack/" + event.data.order,
    })`;
    const hook = await t.api.webhooks.create.mutate({ name: 'slack', url: `${base}/plain`, eventTypes: [t.type], transformation: source });
    expect(hook).toMatchObject({ transformation: source, transformationVersion: 1 });
    const ev = await t.api.events.publish.mutate({ type: t.type, data: { name: 'Zoë', amount: 1200, order: 77 } });
    const arrival = await waitFor(() => rx.arrivals.find((a) => a.path === '/slack/77'), 20_000, 'the transformed request');
    expect(arrival.method).toBe('PUT');
    expect(arrival.body).toBe(JSON.stringify({ text: 'Zoë paid 1200', id: ev.id }));
    expect(arrival.headers['x-order']).toBe('77');
    // The signature covers the bytes that arrived: the transformed body.
    expect(() => new Webhook(hook.secret).verify(arrival.body, arrival.headers as Record<string, string>)).not.toThrow();
    const d = await waitForDelivery(t.api, deliveryIdOf(ev.id, hook.id), ['succeeded']);
    expect(d.attemptRecords[0]).toMatchObject({ transformationVersion: 1, address: `${base}/slack/77`, responseStatusCode: 200 });
  });

  it('records a throwing transformation as a transform error, leaves endpoint health alone, and the edited version delivers on the next attempt', async () => {
    const t = await teamWithType(h, 'order.paid');
    const hook = await t.api.webhooks.create.mutate({
      name: 'broken',
      url: `${base}/fixed`,
      eventTypes: [t.type],
      retryPolicy: { kind: 'attempts', maxAttempts: 5, intervalSeconds: 3600 },
      transformation: '(event) => { throw new Error("no field " + event.data.missing) }',
    });
    const ev = await t.api.events.publish.mutate({ type: t.type, data: { n: 1 } });
    const id = deliveryIdOf(ev.id, hook.id);
    const d = await waitForDelivery(t.api, id, ['retrying']);
    expect(d.attemptRecords[0]).toMatchObject({
      error: { kind: 'transform', message: 'Error: no field undefined' },
      responseStatusCode: null,
      transformationVersion: 1,
    });
    expect(rx.arrivals.some((a) => a.path === '/fixed')).toBe(false);
    expect((await t.api.webhooks.get.query({ id: hook.id })).health.consecutiveFailures).toBe(0);

    const edited = await t.api.webhooks.update.mutate({ id: hook.id, transformation: '(event) => ({ body: "n=" + event.data.n })' });
    expect(edited.transformationVersion).toBe(2);
    await t.api.deliveries.retryNow.mutate({ id });
    const done = await waitForDelivery(t.api, id, ['succeeded']);
    expect(done.attemptRecords.map((a) => a.transformationVersion)).toEqual([1, 2]);
    expect(rx.arrivals.find((a) => a.path === '/fixed')?.body).toBe('n=1');
    // Every version's source is kept.
    expect((await listTransformationVersions(h.db, hook.id)).map((v) => v.version)).toEqual([2, 1]);
  });

  it('cancels the delivery when the transformation says cancel, sending nothing', async () => {
    const t = await teamWithType(h, 'order.paid');
    const hook = await t.api.webhooks.create.mutate({
      name: 'small-only',
      url: `${base}/small`,
      eventTypes: [t.type],
      transformation: '(event) => ({ cancel: event.data.amount > 100 })',
    });
    const big = await t.api.events.publish.mutate({ type: t.type, data: { amount: 500 } });
    const small = await t.api.events.publish.mutate({ type: t.type, data: { amount: 5 } });
    const cancelled = await waitForDelivery(t.api, deliveryIdOf(big.id, hook.id), ['cancelled']);
    expect(cancelled.reason).toBe("cancelled by the webhook's transformation (version 1)");
    await waitForDelivery(t.api, deliveryIdOf(small.id, hook.id), ['succeeded']);
    expect(rx.arrivals.filter((a) => a.path === '/small').map((a) => JSON.parse(a.body).data.amount)).toEqual([5]);
  });

  it('ends an endless loop, a memory bomb and deep recursion as transform errors within their limits while another webhook of the same event is delivered', async () => {
    const t = await teamWithType(h, 'order.paid');
    const hostile = {
      loop: ['(event) => { for (;;) {} }', /^time limit of 50 ms exceeded$/],
      bomb: ['(event) => { const a = []; for (;;) a.push("x".repeat(4096) + a.length); }', /out of memory|time limit/],
      recursion: ['(event) => { const f = (n) => f(n + 1) + 1; return { body: String(f(0)) }; }', /stack overflow/],
    } as const;
    const hooks = await Promise.all(
      Object.entries(hostile).map(([name, [transformation]]) =>
        t.api.webhooks.create.mutate({
          name,
          url: `${base}/${name}`,
          eventTypes: [t.type],
          retryPolicy: { kind: 'attempts', maxAttempts: 1, intervalSeconds: 1 },
          transformation,
        }),
      ),
    );
    const plain = await t.api.webhooks.create.mutate({ name: 'plain', url: `${base}/other`, eventTypes: [t.type] });
    const ev = await t.api.events.publish.mutate({ type: t.type, data: { x: 1 } });
    for (const hook of hooks) {
      const failed = await waitForDelivery(t.api, deliveryIdOf(ev.id, hook.id), ['failed']);
      const [, rule] = hostile[hook.name as keyof typeof hostile];
      expect(failed.attemptRecords[0]?.error).toEqual({ kind: 'transform', message: expect.stringMatching(rule) });
    }
    await waitForDelivery(t.api, deliveryIdOf(ev.id, plain.id), ['succeeded']);
    expect(rx.arrivals.filter((a) => ['/loop', '/bomb', '/recursion'].includes(a.path))).toEqual([]);
  });

  it('refuses a transformation that does not compile to a function, naming the field, and stores nothing', async () => {
    const t = await teamWithType(h, 'order.paid');
    const bad = async (transformation: string) =>
      t.api.webhooks.create.mutate({ name: 'bad', url: `${base}/bad`, eventTypes: [t.type], transformation }).then(
        () => 'stored',
        (e: { data?: { httpStatus?: number }; message: string }) => `${e.data?.httpStatus} ${e.message}`,
      );
    expect(await bad('(event) => {')).toMatch(/^400 .*transformation.*SyntaxError/s);
    expect(await bad('42')).toMatch(/^400 .*transformation.*must be a JavaScript function/s);
    expect((await t.api.webhooks.list.query({})).data).toEqual([]);
  });

  it('dry-runs a given or a stored transformation on a sample event, sending nothing', async () => {
    const t = await teamWithType(h, 'order.paid');
    const given = await t.api.webhooks.previewTransformation.mutate({
      type: t.type,
      data: { amount: 3 },
      transformation: '(e) => ({ body: { doubled: e.data.amount * 2, type: e.type } })',
    });
    expect(given).toMatchObject({ version: null, result: { kind: 'ok', body: '{"doubled":6,"type":"order.paid"}' } });
    expect(JSON.parse(given.event)).toMatchObject({ type: t.type, data: { amount: 3 } });
    const hook = await t.api.webhooks.create.mutate({
      name: 'p',
      url: `${base}/preview`,
      eventTypes: [t.type],
      transformation: '(e) => { throw new TypeError("nope") }',
    });
    expect(await t.api.webhooks.previewTransformation.mutate({ id: hook.id, type: t.type, data: {} })).toMatchObject({
      version: 1,
      result: { kind: 'error', message: 'TypeError: nope' },
    });
    // REST beside tRPC.
    const res = await fetch(`${h.apiUrl}/v1/webhooks/transformation-preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: t.type, data: { a: 1 }, transformation: '(e) => ({ cancel: e.data.a === 1 })' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ result: { kind: 'cancel' } });
    expect(rx.arrivals.some((a) => a.path === '/preview')).toBe(false);
  });
});
