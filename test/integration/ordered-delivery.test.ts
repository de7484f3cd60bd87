import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_FANOUT_MAX } from '../../src/core/fan-out.js';
import { insertEventWithDeliveries } from '../../src/core/insert-event-with-deliveries.js';
import { sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { releaseSignal } from '../../src/workflows/delivery-contract.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Arrival, type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

type Team = Awaited<ReturnType<typeof teamWithType>>;

/**
 * Ordered delivery on fifo webhooks: real Temporal, PostgreSQL and loopback receivers, retry
 * waits at 1/10 (HERALD_RETRY_TIME_SCALE), so `intervalSeconds: 1` is 100 ms.
 */
describe('ordered delivery', () => {
  let h: Harness;
  let t: Team;
  let rx: Receiver;
  /** Event ids whose every arrival is answered 500; ids held until released. */
  const failing = new Set<string>();
  const held = new Map<string, () => void>();
  const holding = new Set<string>();

  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_RETRY_TIME_SCALE: '0.1' } });
    t = await teamWithType(h, 'order.changed', { maxActiveWebhooks: 50 });
    rx = await startReceiver(async (a) => {
      const id = eventIdOf(a);
      if (holding.has(id)) await new Promise<void>((r) => held.set(id, r));
      return failing.has(id) ? { status: 500 } : { status: 200 };
    });
  });
  afterAll(async () => {
    for (const release of held.values()) release();
    await rx?.close();
    await h?.close();
  });

  const eventIdOf = (a: Arrival) => (JSON.parse(a.body) as { id: string }).id;
  const arrivalsOf = (path: string) => rx.arrivals.filter((a) => a.path === `/hook/${path}`);
  let hooks = 0;
  type RetryPolicy = NonNullable<Parameters<Team['api']['webhooks']['create']['mutate']>[0]['retryPolicy']>;
  async function fifoHook(
    blockOnFailure = true,
    retryPolicy: RetryPolicy = { kind: 'attempts', maxAttempts: 3, intervalSeconds: 1, backoff: 'fixed' },
  ) {
    const name = `fifo-${++hooks}`;
    const type = `order.${name}`;
    await t.api.eventTypes.create.mutate({ name: type, description: '' });
    const w = await t.api.webhooks.create.mutate({
      name,
      url: `${rx.url}/${name}`,
      eventTypes: [type],
      ordering: 'fifo',
      blockOnFailure,
      retryPolicy,
      rateLimitPerSecond: 1000,
      maxInFlight: 20,
    });
    expect(w).toMatchObject({ ordering: 'fifo', blockOnFailure });
    return { ...w, type, path: name };
  }
  const publish = (hook: { type: string; path: string }, id: string, orderingKey?: string) =>
    t.api.events.publish.mutate({ type: hook.type, id: `${hook.path}-${id}`, data: { id }, ...(orderingKey ? { orderingKey } : {}) });
  const delivery = (hook: { id: string; path: string }, id: string) => deliveryIdOf(`${hook.path}-${id}`, hook.id);

  it('delivers one key’s events one at a time in publish order, each only after the one before it ended', async () => {
    const w = await fifoHook();
    failing.add(`${w.path}-e2`);
    for (const id of ['e1', 'e2', 'e3', 'e4']) await publish(w, id, 'cust-1');
    await waitForDelivery(t.api, delivery(w, 'e4'), ['succeeded'], 30_000);
    const got = arrivalsOf(w.path).map(eventIdOf);
    // e2 fails three times (exhausted), and only then does e3 go.
    expect(got).toEqual([`${w.path}-e1`, `${w.path}-e2`, `${w.path}-e2`, `${w.path}-e2`, `${w.path}-e3`, `${w.path}-e4`]);
    expect((await t.api.deliveries.get.query({ id: delivery(w, 'e2') })).status).toBe('failed');
    const list = await t.api.deliveries.list.query({ webhookId: w.id, pageSize: 10 });
    expect(list.data.map((d) => [d.sequence, d.orderingKey]).sort()).toEqual([
      [1, 'cust-1'],
      [2, 'cust-1'],
      [3, 'cust-1'],
      [4, 'cust-1'],
    ]);
  });

  it('lets later events pass a failing head with blockOnFailure false, keeping order among first attempts', async () => {
    const w = await fifoHook(false, { kind: 'attempts', maxAttempts: 3, intervalSeconds: 30, backoff: 'fixed' });
    failing.add(`${w.path}-a`);
    for (const id of ['a', 'b', 'c']) await publish(w, id);
    await waitForDelivery(t.api, delivery(w, 'c'), ['succeeded'], 30_000);
    const got = arrivalsOf(w.path).map(eventIdOf);
    // a's first attempt came first; b and c went on while a waits 3 s for its retry.
    expect(got.slice(0, 3)).toEqual([`${w.path}-a`, `${w.path}-b`, `${w.path}-c`]);
    expect((await t.api.deliveries.get.query({ id: delivery(w, 'a') })).status).toBe('retrying');
  });

  it('holds the next event behind a head that blocks, shows the queue with positions, and a cancelled head releases it', async () => {
    const w = await fifoHook(true, { kind: 'window', windowMinutes: 60 });
    failing.add(`${w.path}-h1`);
    for (const id of ['h1', 'h2', 'h3']) await publish(w, id, 'k');
    await waitFor(() => arrivalsOf(w.path).length >= 2, 20_000, 'the head to be retried');
    const list = await t.api.deliveries.list.query({ webhookId: w.id, pageSize: 10 });
    const byId = new Map(list.data.map((d) => [d.id, d]));
    expect(byId.get(delivery(w, 'h1'))).toMatchObject({ status: 'retrying', position: 0, sequence: 1 });
    expect(byId.get(delivery(w, 'h2'))).toMatchObject({ status: 'pending', position: 1, sequence: 2, attempts: 0 });
    expect(byId.get(delivery(w, 'h3'))).toMatchObject({ status: 'pending', position: 2, sequence: 3 });
    expect((await t.api.deliveries.get.query({ id: delivery(w, 'h3') })).position).toBe(2);

    // The Temporal UI: the waiting one's summary and current details say what it waits for.
    const handle = h.temporal.workflow.getHandle(delivery(w, 'h2'));
    const described = await handle.describe();
    expect(described.type).toBe('orderedDeliveryWorkflow');
    expect(await described.staticSummary()).toMatch(/ · fifo k #2$/);
    // The count is read at each check of the turn: h2's first check may have run before h3's row
    // was stored. A release signal (what a closing predecessor sends) makes it check again now
    // that the list above shows h3 queued.
    await handle.signal(releaseSignal);
    const expected = `Waiting for ${delivery(w, 'h1')} (#1 of ordering key "k"); 1 queued behind this one.`;
    const meta = await waitFor(
      async () => {
        const m = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
        return m.currentDetails === expected ? m : undefined;
      },
      10_000,
      'current details naming the head and one queued behind',
    );
    expect(meta.currentDetails).toBe(expected);
    expect(arrivalsOf(w.path).every((a) => eventIdOf(a) === `${w.path}-h1`)).toBe(true);

    await t.api.deliveries.cancel.mutate({ id: delivery(w, 'h1'), reason: 'stuck head' });
    await waitForDelivery(t.api, delivery(w, 'h3'), ['succeeded'], 20_000);
    expect((await t.api.deliveries.get.query({ id: delivery(w, 'h1') })).status).toBe('cancelled');
    expect(
      arrivalsOf(w.path)
        .map(eventIdOf)
        .filter((id) => id !== `${w.path}-h1`),
    ).toEqual([`${w.path}-h2`, `${w.path}-h3`]);
  });

  it('cancels a waiting delivery on request without sending it, and the next goes on', async () => {
    const w = await fifoHook(true, { kind: 'window', windowMinutes: 60 });
    holding.add(`${w.path}-x1`);
    for (const id of ['x1', 'x2', 'x3']) await publish(w, id);
    await waitFor(() => held.has(`${w.path}-x1`), 20_000, 'the head to be in flight');
    await waitFor(async () => (await t.api.deliveries.get.query({ id: delivery(w, 'x2') })).position === 1, 10_000, 'x2 queued');
    await t.api.deliveries.cancel.mutate({ id: delivery(w, 'x2') });
    await waitForDelivery(t.api, delivery(w, 'x2'), ['cancelled']);
    held.get(`${w.path}-x1`)!();
    await waitForDelivery(t.api, delivery(w, 'x3'), ['succeeded'], 20_000);
    expect(arrivalsOf(w.path).map(eventIdOf)).toEqual([`${w.path}-x1`, `${w.path}-x3`]);
  });

  it('does not hold one key behind another key that hangs', async () => {
    const w = await fifoHook(true, { kind: 'window', windowMinutes: 60 });
    holding.add(`${w.path}-slow1`);
    await publish(w, 'slow1', 'slow');
    await publish(w, 'slow2', 'slow');
    await waitFor(() => held.has(`${w.path}-slow1`), 20_000, 'the slow key to hang');
    const t0 = Date.now();
    for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) await publish(w, id, 'fast');
    await waitForDelivery(t.api, delivery(w, 'f5'), ['succeeded'], 20_000);
    const took = Date.now() - t0;
    expect(
      arrivalsOf(w.path)
        .map(eventIdOf)
        .filter((id) => id.includes('-f')),
    ).toEqual(['f1', 'f2', 'f3', 'f4', 'f5'].map((i) => `${w.path}-${i}`));
    // Five serial deliveries of another key while `slow` hangs: seconds, not the hang's length.
    expect(took).toBeLessThan(15_000);
    expect(arrivalsOf(w.path).some((a) => eventIdOf(a) === `${w.path}-slow2`)).toBe(false);
    held.get(`${w.path}-slow1`)!();
    await waitForDelivery(t.api, delivery(w, 'slow2'), ['succeeded'], 20_000);
  });

  it('numbers a re-published id once, and two concurrent publishers of one key get distinct, gapless numbers', async () => {
    const w = await fifoHook();
    const first = await publish(w, 'd1', 'dup');
    const again = await publish(w, 'd1', 'dup');
    expect([first.duplicate, again.duplicate]).toEqual([false, true]);
    await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((id) => publish(w, id, 'dup')));
    await waitFor(
      async () => (await t.api.deliveries.list.query({ webhookId: w.id, status: 'succeeded', pageSize: 20 })).data.length === 7,
      30_000,
      'all seven delivered',
    );
    const rows = await h.db
      .selectFrom('deliveries')
      .select(['event_id', 'sequence'])
      .where('webhook_id', '=', w.id)
      .orderBy('sequence')
      .execute();
    expect(rows.map((r) => Number(r.sequence))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Arrival order is the numbering order.
    const bySeq = rows.map((r) => r.event_id);
    expect(arrivalsOf(w.path).map(eventIdOf)).toEqual(bySeq);
  });

  it('cancels a deactivated webhook’s queued deliveries without sending them', async () => {
    const w = await fifoHook(true, { kind: 'window', windowMinutes: 60 });
    holding.add(`${w.path}-q1`);
    for (const id of ['q1', 'q2', 'q3', 'q4']) await publish(w, id, 'q');
    await waitFor(() => held.has(`${w.path}-q1`), 20_000, 'the head in flight');
    await t.api.webhooks.update.mutate({ id: w.id, active: false });
    for (const id of ['q2', 'q3', 'q4']) await waitForDelivery(t.api, delivery(w, id), ['cancelled']);
    held.get(`${w.path}-q1`)!();
    await waitForDelivery(t.api, delivery(w, 'q1'), ['succeeded', 'cancelled']);
    expect(arrivalsOf(w.path).map(eventIdOf)).toEqual([`${w.path}-q1`]);
  });

  it('starts the numbered deliveries of events a crashed API stored but never started, from the undispatched sweep, in order', async () => {
    const w = await fifoHook();
    // As an API that died right after its publish statement committed leaves them: rows numbered, nothing started.
    for (const id of ['s1', 's2', 's3'])
      await insertEventWithDeliveries(
        h.db,
        { teamId: t.teamId, id: `${w.path}-${id}`, type: w.type, projectId: null, data: `{"id":"${id}"}`, orderingKey: 'sweep' },
        deliveryIdOf(`${w.path}-${id}`, ''),
        DIRECT_FANOUT_MAX,
      );
    const swept = await sweepUndispatched(h.deps, 0);
    expect(swept.dispatched).toBeGreaterThanOrEqual(3);
    await waitForDelivery(t.api, delivery(w, 's3'), ['succeeded'], 20_000);
    expect(arrivalsOf(w.path).map(eventIdOf)).toEqual(['s1', 's2', 's3'].map((i) => `${w.path}-${i}`));
    expect((await h.temporal.workflow.getHandle(delivery(w, 's1')).describe()).type).toBe('orderedDeliveryWorkflow');
  });

  it('leaves an unordered webhook’s deliveries unnumbered and on the unordered workflow', async () => {
    await t.api.eventTypes.create.mutate({ name: 'order.plain', description: '' });
    const w = await t.api.webhooks.create.mutate({ name: 'plain', url: `${rx.url}/plain`, eventTypes: ['order.plain'] });
    expect(w).toMatchObject({ ordering: 'none', blockOnFailure: true });
    const e = await t.api.events.publish.mutate({ type: 'order.plain', data: {}, orderingKey: 'ignored' });
    expect(e.orderingKey).toBe('ignored');
    const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded']);
    expect(d).toMatchObject({ sequence: null, orderingKey: null, position: null });
    expect((await h.temporal.workflow.getHandle(d.id).describe()).type).toBe('deliveryWorkflowV2');
  });

  it('refuses a bad ordering setting or key with a 400 naming the field', async () => {
    const bad = async (f: () => Promise<unknown>) => {
      const err = await f().then(
        () => null,
        (e: { data?: { httpStatus?: number }; message: string }) => e,
      );
      expect(err?.data?.httpStatus).toBe(400);
      return err!.message;
    };
    expect(
      await bad(() => t.api.webhooks.create.mutate({ name: 'x', url: `${rx.url}/x`, eventTypes: [t.type], ordering: 'lifo' as never })),
    ).toMatch(/ordering.*'none' or 'fifo'/);
    expect(await bad(() => t.api.events.publish.mutate({ type: t.type, data: {}, orderingKey: 'k'.repeat(257) }))).toMatch(
      /orderingKey.*256/,
    );
  });
});
