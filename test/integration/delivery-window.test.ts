import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// Time base shrunk 10×: a 1-minute window lasts 6 s; steps are 0.5 s, 3 s, 12 s, …
// (Temporal timers fire on a ~1 s grid, so shrinking further only measures that grid.)
const SCALE = 0.1;

describe('window retry policy (time base shrunk through config)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_RETRY_TIME_SCALE: String(SCALE) } });
  });
  afterAll(async () => h?.close());

  it('keeps retrying with backoff until the window closes, then fails', async () => {
    const rx = await startReceiver(() => ({ status: 500 }));
    try {
      const t = await teamWithType(h);
      const w = await t.api.webhooks.create.mutate({
        name: 'window',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'window', windowMinutes: 1 },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed'], 20_000);
      const windowMs = 60_000 * SCALE;
      const first = rx.arrivals[0]!.at;
      const last = rx.arrivals[rx.arrivals.length - 1]!.at;
      // Attempts at ~0 s, ~0.5–1 s, ~4 s, then one last attempt at the 6 s deadline.
      expect(rx.arrivals.length).toBeGreaterThanOrEqual(4);
      expect(last - first).toBeGreaterThanOrEqual(windowMs - 100);
      expect(last - first).toBeLessThan(windowMs + 1_000);
      const gaps = rx.arrivals.slice(1).map((a, i) => a.at - rx.arrivals[i]!.at);
      expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
      expect(d.attemptRecords.every((r) => r.maxAttempts === null)).toBe(true);
      expect(d.reason).toBe('retry policy exhausted');
    } finally {
      await rx.close();
    }
  });

  it('a window of 0 minutes makes exactly one attempt', async () => {
    const rx = await startReceiver(() => ({ status: 500 }));
    try {
      const t = await teamWithType(h, 'zero.window');
      const w = await t.api.webhooks.create.mutate({
        name: 'zero',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'window', windowMinutes: 0 },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed']);
      expect(d.attemptRecords).toHaveLength(1);
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
