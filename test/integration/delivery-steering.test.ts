import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;

describe('steering deliveries: cancel, retryNow, replay, recover', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness();
    t = await teamWithType(h, 'clip_processing.done');
  });
  afterAll(async () => h?.close());

  it('cancel stops retrying and marks the delivery cancelled', async () => {
    const rx = await startReceiver(() => ({ status: 500 }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'c', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      const retrying = await waitForDelivery(t.api, id, ['retrying']);
      expect(retrying.nextAttemptAt).not.toBeNull();
      expect((await t.api.webhooks.get.query({ id: w.id })).retryQueueLength).toBe(1);
      await t.api.deliveries.cancel.mutate({ id, reason: 'customer asked' });
      const d = await waitForDelivery(t.api, id, ['cancelled']);
      expect(d.reason).toBe('customer asked');
      expect(rx.arrivals).toHaveLength(1);
      const listed = await t.api.deliveries.list.query({ webhookId: w.id, status: 'cancelled' });
      expect(listed.data.map((x) => x.id)).toEqual([id]);
      await expect(t.api.deliveries.cancel.mutate({ id })).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
    } finally {
      await rx.close();
    }
  });

  it('retryNow skips the wait and tries at once', async () => {
    const rx = await startReceiver((_a, i) => ({ status: i === 0 ? 500 : 200 }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'r', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['retrying']);
      const asked = Date.now();
      await t.api.deliveries.retryNow.mutate({ id });
      const d = await waitForDelivery(t.api, id, ['succeeded'], 10_000);
      expect(rx.arrivals[1]!.at - asked).toBeLessThan(5_000);
      expect(d.attemptRecords.map((r) => r.responseStatusCode)).toEqual([500, 200]);
      const stats = await t.api.webhooks.get.query({ id: w.id });
      expect(stats).toMatchObject({
        queueLength: 0,
        retryQueueLength: 0,
        latestRun: { deliveryId: id, status: 'succeeded', responseStatusCode: 200 },
      });
    } finally {
      await rx.close();
    }
  });

  it('replay starts a new run of a finished delivery under the same id and webhook-id', async () => {
    const rx = await startReceiver();
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'p', url: rx.url, eventTypes: [t.type] });
      const e = await t.api.events.publish.mutate({ type: t.type, data: { n: 1 } });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['succeeded']);
      const firstRun = (await h.temporal.workflow.getHandle(id).describe()).runId;
      await t.api.deliveries.replay.mutate({ id });
      await waitFor(() => rx.arrivals.length === 2);
      await waitForDelivery(t.api, id, ['succeeded']);
      const secondRun = (await h.temporal.workflow.getHandle(id).describe()).runId;
      expect(secondRun).not.toBe(firstRun);
      expect(rx.arrivals.map((a) => a.headers['webhook-id'])).toEqual([messageId(t.teamId, e.id), messageId(t.teamId, e.id)]);
      const old = await h.temporal.workflow.getHandle(id, firstRun).describe();
      expect(old.status.name).toBe('COMPLETED');
    } finally {
      await rx.close();
    }
  });

  it('recover replays every failed delivery of a webhook since a time', async () => {
    let healthy = false;
    const rx = await startReceiver(() => ({ status: healthy ? 200 : 500 }));
    try {
      const since = new Date(Date.now() - 1000).toISOString();
      const w = await t.api.webhooks.create.mutate({
        name: 'v',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'window', windowMinutes: 0 },
      });
      const events = await Promise.all([1, 2, 3].map((n) => t.api.events.publish.mutate({ type: t.type, data: { n } })));
      for (const e of events) await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed']);
      healthy = true;
      const r = await t.api.deliveries.recover.mutate({ webhookId: w.id, since });
      expect(r).toMatchObject({ started: true, matched: 3 });
      for (const e of events) await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded']);
      await waitFor(async () => (await t.api.deliveries.recoveryStatus.query({ id: r.recoveryId })).done, 20_000, 'recovery done');
      expect(await t.api.deliveries.recoveryStatus.query({ id: r.recoveryId })).toMatchObject({ replayed: 3, skipped: 0 });
      expect(rx.arrivals).toHaveLength(6);
    } finally {
      await rx.close();
    }
  });

  it('publishing the same id twice returns the same event and delivers once', async () => {
    const rx = await startReceiver();
    try {
      await t.api.webhooks.create.mutate({ name: 'i', url: rx.url, eventTypes: [t.type] });
      const a = await t.api.events.publish.mutate({ type: t.type, data: { v: 1 }, id: 'order-42' });
      const b = await t.api.events.publish.mutate({ type: t.type, data: { v: 2 }, id: 'order-42' });
      expect(a.duplicate).toBe(false);
      expect(b).toMatchObject({ id: 'order-42', duplicate: true, data: { v: 1 } });
      await waitFor(() => rx.arrivals.length >= 1);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('webhooks.test sends a ping to that webhook alone', async () => {
    const rx = await startReceiver();
    try {
      const w = await t.api.webhooks.create.mutate({ name: 't', url: rx.url, eventTypes: [t.type] });
      const r = await t.api.webhooks.test.mutate({ id: w.id });
      const d = await waitForDelivery(t.api, r.deliveryId, ['succeeded']);
      expect(JSON.parse(rx.arrivals[0]!.body)).toMatchObject({ id: r.eventId, type: 'webhook.test' });
      expect(d.attemptRecords).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
