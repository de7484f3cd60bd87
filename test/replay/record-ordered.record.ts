import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryResult } from '../support/delivery-result.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Arrival, type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType } from '../support/scenario.js';
import type { Shape } from './fixtures.js';
import { fetchRunHistory, saveHistory } from './save-history.js';

/**
 * Drives orderedDeliveryWorkflow through each of its shapes against real Temporal, PostgreSQL
 * and a loopback receiver and saves the histories as replay fixtures (`npm run record-histories`).
 */
describe('recording ordered delivery histories', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  let rx: Receiver;
  const failing = new Set<string>();
  const held = new Map<string, () => void>();
  const holding = new Set<string>();
  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_RETRY_TIME_SCALE: '0.01' } });
    t = await teamWithType(h, 'ledger.entry', { maxActiveWebhooks: 50 });
    rx = await startReceiver(async (a: Arrival) => {
      const id = (JSON.parse(a.body) as { id: string }).id;
      if (holding.has(id)) await new Promise<void>((r) => held.set(id, r));
      return { status: failing.has(id) ? 500 : 200 };
    });
  });
  afterAll(async () => {
    for (const r of held.values()) r();
    await rx?.close();
    await h?.close();
  });

  const save = async (shape: Shape, id: string) => saveHistory(h, shape, await fetchRunHistory(h, id), [t.key]);
  let n = 0;
  async function fifo(blockOnFailure: boolean) {
    const type = `ledger.r${++n}`;
    await t.api.eventTypes.create.mutate({ name: type, description: '' });
    const w = await t.api.webhooks.create.mutate({
      name: `fifo-${n}`,
      url: rx.url,
      eventTypes: [type],
      ordering: 'fifo',
      blockOnFailure,
      retryPolicy: { kind: 'attempts', maxAttempts: 2, intervalSeconds: 1, backoff: 'fixed' },
    });
    const publish = (id: string) => t.api.events.publish.mutate({ type, id: `r${n}-${id}`, data: {}, orderingKey: 'k' });
    return { w, publish, id: (e: string) => deliveryIdOf(`r${n}-${e}`, w.id) };
  }

  /** A fifo webhook whose head `a` is held in flight at the receiver while `b` waits its turn (a release-signal wait). */
  async function headInFlightNextWaiting() {
    const f = await fifo(true);
    holding.add(`r${n}-a`);
    await f.publish('a');
    await f.publish('b');
    await waitFor(() => held.has(`r${n}-a`), 20_000, 'the head in flight');
    await waitFor(
      async () => (await fetchRunHistory(h, f.id('b'))).events!.some((e) => e.timerStartedEventAttributes),
      20_000,
      'b to wait',
    );
    return f;
  }

  it('records ordered-head and ordered-waited-for-release: a head that goes at once, and the next woken by its release', async () => {
    const f = await headInFlightNextWaiting();
    held.get(`r${n}-a`)!();
    expect((await deliveryResult(h.temporal, f.id('b'))).status).toBe('succeeded');
    await save('ordered-head', f.id('a'));
    await save('ordered-waited-for-release', f.id('b'));
  });

  it('records ordered-cancelled-while-waiting: a cancel signal to a delivery waiting its turn', async () => {
    const f = await headInFlightNextWaiting();
    await t.api.deliveries.cancel.mutate({ id: f.id('b'), reason: 'recorder cancels' });
    expect(await deliveryResult(h.temporal, f.id('b'))).toMatchObject({ status: 'cancelled' });
    held.get(`r${n}-a`)!();
    await save('ordered-cancelled-while-waiting', f.id('b'));
  });

  it('records ordered-failing-head-passed: blockOnFailure false, the head releases after its first attempt and fails', async () => {
    const f = await fifo(false);
    failing.add(`r${n}-a`);
    await f.publish('a');
    await f.publish('b');
    expect((await deliveryResult(h.temporal, f.id('a'))).status).toBe('failed');
    expect((await deliveryResult(h.temporal, f.id('b'))).status).toBe('succeeded');
    await save('ordered-failing-head-passed', f.id('a'));
  });
});
