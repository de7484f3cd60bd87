import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

describe('retry policies against real receivers', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness();
    t = await teamWithType(h, 'video.encoding.quality.completed');
  });
  afterAll(async () => h?.close());

  it('api.video’s policy makes exactly 3 attempts about 3 s apart, then fails', async () => {
    const rx = await startReceiver(() => ({ status: 500, body: 'down' }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'apivideo',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 3, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: { videoId: 'vi1' } });
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed'], 20_000);
      expect(rx.arrivals).toHaveLength(3);
      const gaps = rx.arrivals.slice(1).map((a, i) => a.at - rx.arrivals[i]!.at);
      for (const gap of gaps) {
        expect(gap).toBeGreaterThanOrEqual(2_950);
        expect(gap).toBeLessThan(3_600);
      }
      expect(d.attemptRecords.map((r) => [r.attempt, r.responseStatusCode, r.maxAttempts])).toEqual([
        [1, 500, 3],
        [2, 500, 3],
        [3, 500, 3],
      ]);
      expect(d.attemptRecords[0]!.responseBody).toBe('down');
      expect(d.attemptRecords[0]!.nextAttemptAt).not.toBeNull();
      expect(d.attemptRecords[2]!.nextAttemptAt).toBeNull();
      expect(new Set(rx.arrivals.map((a) => a.headers['webhook-id']))).toEqual(new Set([messageId(t.teamId, e.id)]));
      await new Promise((r) => setTimeout(r, 500));
      expect(rx.arrivals).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });

  it('honours Retry-After on a 429 within the policy', async () => {
    const rx = await startReceiver((_a, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'ra',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 1, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded']);
      expect(rx.arrivals).toHaveLength(2);
      expect(rx.arrivals[1]!.at - rx.arrivals[0]!.at).toBeGreaterThanOrEqual(1_950);
      expect(d.attemptRecords[0]!.responseHeaders['retry-after']).toBe('2');
    } finally {
      await rx.close();
    }
  });

  it('stops on 410 Gone and deactivates the webhook with a reason', async () => {
    const rx = await startReceiver(() => ({ status: 410 }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'gone',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 5, intervalSeconds: 1, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed']);
      expect(d.attemptRecords).toHaveLength(1);
      expect(d.reason).toContain('410');
      const after = await t.api.webhooks.get.query({ id: w.id });
      expect(after.active).toBe(false);
      expect(after.disabledReason).toContain('410 Gone');
    } finally {
      await rx.close();
    }
  });

  it('a webhook deactivated mid-retry stops its pending delivery with a reason', async () => {
    const rx = await startReceiver(() => ({ status: 503 }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'deact',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 10, intervalSeconds: 2, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['retrying']);
      await t.api.webhooks.update.mutate({ id: w.id, active: false });
      const d = await waitForDelivery(t.api, id, ['cancelled'], 10_000);
      expect(d.reason).toContain('webhook inactive');
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('a URL change applies from the next attempt', async () => {
    const first = await startReceiver(() => ({ status: 500 }));
    const second = await startReceiver(() => ({ status: 200 }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'move',
        url: first.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 2, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitFor(() => first.arrivals.length === 1);
      await t.api.webhooks.update.mutate({ id: w.id, url: second.url });
      const d = await waitForDelivery(t.api, id, ['succeeded']);
      expect(d.attemptRecords.map((r) => r.address)).toEqual([first.url, second.url]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
