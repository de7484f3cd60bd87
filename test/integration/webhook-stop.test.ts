import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// Next attempt a minute away: the delivery must not wait for it to learn its webhook is gone.
const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;

describe('deactivating or deleting a webhook cancels its running deliveries now', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness();
    t = await teamWithType(h);
  });
  afterAll(async () => h?.close());

  /** A webhook with one delivery parked in a retry wait. */
  async function parked() {
    const rx = await startReceiver(() => ({ status: 500 }));
    const w = await t.api.webhooks.create.mutate({ name: 'stop', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
    const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const id = deliveryIdOf(e.id, w.id);
    await waitForDelivery(t.api, id, ['retrying']);
    expect((await t.api.webhooks.get.query({ id: w.id })).retryQueueLength).toBe(1);
    return { rx, w, id };
  }

  it('deactivation: the parked delivery is cancelled within seconds and leaves the retry queue', async () => {
    const { rx, w, id } = await parked();
    try {
      await t.api.webhooks.update.mutate({ id: w.id, active: false });
      const d = await waitForDelivery(t.api, id, ['cancelled'], 10_000);
      expect(d.reason).toBe('webhook inactive: deactivated by API');
      expect(await t.api.webhooks.get.query({ id: w.id })).toMatchObject({ queueLength: 0, retryQueueLength: 0 });
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('deletion: the parked delivery is cancelled within seconds', async () => {
    const { rx, w, id } = await parked();
    try {
      await t.api.webhooks.delete.mutate({ id: w.id });
      const d = await waitForDelivery(t.api, id, ['cancelled'], 10_000);
      expect(d.reason).toBe('webhook deleted');
      const row = await h.db.selectFrom('deliveries').select(['status', 'reason']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'cancelled', reason: 'webhook deleted' });
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
