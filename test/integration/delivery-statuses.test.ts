import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// `delivering` was counted in queueLength and offered as a filter, but never written to the
// deliveries table; it is dropped: an attempt in flight keeps the status it had.
describe('every status Herald reports is one it writes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('a retry in flight reads retrying from the workflow, the table and the retry queue alike', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The first attempt fails; the second is held open until the test has looked.
    const rx = await startReceiver(async (_a, i) => {
      if (i === 1) await held;
      return { status: i === 0 ? 500 : 200 };
    });
    try {
      const t = await teamWithType(h);
      const w = await t.api.webhooks.create.mutate({
        name: 'inflight',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 1, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitFor(() => rx.arrivals.length === 2, 20_000, 'the second attempt to be in flight');
      // The workflow answers once its task has checkpointed the attempt in flight (seconds).
      const d = await t.api.deliveries.get.query({ id });
      expect(d).toMatchObject({ status: 'retrying', attemptsFrom: 'workflow' });
      expect((await t.api.deliveries.list.query({ webhookId: w.id, status: 'retrying' })).data.map((x) => x.id)).toEqual([id]);
      expect(await t.api.webhooks.get.query({ id: w.id })).toMatchObject({ queueLength: 0, retryQueueLength: 1 });
      release();
      await waitForDelivery(t.api, id, ['succeeded']);
    } finally {
      release();
      await rx.close();
    }
  });

  it('delivering is not a status one can filter by', async () => {
    const t = await teamWithType(h);
    await expect(t.api.deliveries.list.query({ status: 'delivering' as never })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
  });
});
