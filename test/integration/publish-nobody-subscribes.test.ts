import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';

// A publish that matches no webhook is stored dispatched by its own insert
// (core/insert-event-with-deliveries.ts): no later mark, nothing for the sweep.
describe('a publish nobody subscribes to', () => {
  let h: Harness;
  let rx: Receiver;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness();
    rx = await startReceiver(() => ({ status: 200 }));
    t = await teamWithType(h, 'order.paid');
    await t.api.eventTypes.create.mutate({ name: 'order.refunded', description: '' });
    // Subscribed to order.paid only when the amount is over 100; nobody takes order.refunded.
    await t.api.webhooks.create.mutate({
      name: 'big-orders',
      url: `${rx.url}/big`,
      eventTypes: ['order.paid'],
      filter: { 'data.amount': { $gt: 100 } },
    });
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  const stored = (id: string) =>
    h.db
      .selectFrom('events')
      .select(['dispatched_at', 'created_at'])
      .where('team_id', '=', t.teamId)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('is stored dispatched at its insert, says so in its answer, and starts no delivery', async () => {
    const unsubscribed = await t.api.events.publish.mutate({ type: 'order.refunded', data: { amount: 500 } });
    const filteredOut = await t.api.events.publish.mutate({ type: 'order.paid', data: { amount: 5 } });
    for (const e of [unsubscribed, filteredOut]) {
      expect(e.duplicate).toBe(false);
      expect(e.dispatchedAt).not.toBeNull();
      const row = await stored(e.id);
      expect(row.dispatched_at?.getTime()).toBe(row.created_at.getTime());
      expect((await t.api.deliveries.list.query({ eventId: e.id })).data).toEqual([]);
    }
    // Nothing left for the undispatched sweep, however old it were.
    expect(await sweepUndispatched(h.deps, -60_000)).toMatchObject({ dispatched: 0 });
  });

  it('answers a repeated publish as a duplicate, still dispatched and still without deliveries', async () => {
    const first = await t.api.events.publish.mutate({ id: 'evt_nobody_twice', type: 'order.refunded', data: { n: 1 } });
    const again = await t.api.events.publish.mutate({ id: 'evt_nobody_twice', type: 'order.refunded', data: { n: 1 } });
    expect(again).toMatchObject({ id: first.id, duplicate: true, dispatchedAt: first.dispatchedAt });
    expect((await t.api.deliveries.list.query({ eventId: first.id })).data).toEqual([]);
  });

  it('leaves a publish with a subscriber undispatched until its delivery has started, then delivers it once', async () => {
    const e = await t.api.events.publish.mutate({ type: 'order.paid', data: { amount: 500 } });
    expect(e.dispatchedAt).toBeNull();
    await waitFor(async () => (await stored(e.id)).dispatched_at, 20_000, 'the dispatched mark');
    await waitFor(() => rx.arrivals.some((a) => a.path === '/hook/big'), 20_000, 'the delivery');
    expect(rx.arrivals.filter((a) => a.path === '/hook/big')).toHaveLength(1);
  });
});
