import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';
import { startWorkerProcess } from '../support/herald-process.js';

/** Most arrivals inside any window [t, t + 1 s) that starts at an arrival. */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - 999) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

describe('per-webhook rate limit, shared through Postgres', () => {
  let h: Harness;
  let workers: Awaited<ReturnType<typeof startWorkerProcess>>[] = [];
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    const url = h.config.databaseUrl!;
    workers = await Promise.all([startWorkerProcess(h.config, url), startWorkerProcess(h.config, url)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h?.close();
  });

  it('holds 5 req/s across two worker processes, as the receiver measures it', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      await t.api.webhooks.create.mutate({ name: 'limited', url: rx.url, eventTypes: [t.type], rateLimitPerSecond: 5 });
      const N = 30;
      await Promise.all(Array.from({ length: N }, (_, i) => t.api.events.publish.mutate({ type: t.type, data: { i } })));
      await waitFor(() => rx.arrivals.length >= N, 60_000, `${N} arrivals`);
      const times = rx.arrivals.map((a) => a.at);
      // Never above the limit in any 1-second window, as the receiver's clock sees it.
      expect(peakPerSecond(times)).toBeLessThanOrEqual(5);
      // And the mean rate over the whole run is at most the limit too.
      const span = Math.max(...times) - Math.min(...times);
      expect(span).toBeGreaterThanOrEqual(((N - 1) * 1000) / 5);
      // Both processes did part of the work (their logs are read after the receiver saw the last send).
      const attemptsBy = () => workers.map((w) => w.lines.filter((l) => l.includes('"msg":"attempt"')).length);
      await waitFor(() => attemptsBy().reduce((a, b) => a + b, 0) === N, 5_000, 'worker logs');
      expect(attemptsBy().every((n) => n > 0)).toBe(true);
    } finally {
      await rx.close();
    }
  }, 90_000);
});
