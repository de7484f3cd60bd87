import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess } from '../../src/app/herald-process.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Arrival, startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';

const KEYS = 10;
const PER_KEY = 100;

/** A small seeded PRNG (mulberry32): the same 20% of first arrivals fail on every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 1,000 events over 10 ordering keys to one fifo webhook, a fifth of first arrivals answered 500,
 * and the worker (its own OS process) SIGKILLed mid-run and replaced: real Temporal, PostgreSQL
 * and a loopback receiver. Retry waits at 1/10 (1 s → 100 ms).
 */
describe('ordered delivery across failures and a worker crash', () => {
  let h: Harness;
  const workers: Awaited<ReturnType<typeof startWorkerProcess>>[] = [];
  const env = { HERALD_RETRY_TIME_SCALE: '0.1' };
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h?.close();
  });

  it('keeps publish order per key, loses nothing, and repeats at most the delivery just sent', async () => {
    const random = seeded(26);
    const seen = new Set<string>();
    const ok: { id: string; at: number }[] = [];
    /** Every arrival in order, with whether it was answered 2xx. */
    const all: { id: string; ok: boolean }[] = [];
    const rx = await startReceiver((a: Arrival) => {
      const id = (JSON.parse(a.body) as { id: string }).id;
      const first = !seen.has(id);
      seen.add(id);
      if (first && random() < 0.2) {
        all.push({ id, ok: false });
        return { status: 500 };
      }
      all.push({ id, ok: true });
      ok.push({ id, at: a.at });
      return { status: 200 };
    });
    try {
      const db = h.config.databaseUrl!;
      workers.push(await startWorkerProcess(h.config, db, env));
      const t = await teamWithType(h, 'ledger.entry');
      await t.api.webhooks.create.mutate({
        name: 'ledger',
        url: rx.url,
        eventTypes: [t.type],
        ordering: 'fifo',
        rateLimitPerSecond: 1000,
        maxInFlight: 50,
        retryPolicy: { kind: 'attempts', maxAttempts: 10, intervalSeconds: 1, backoff: 'fixed' },
      });
      const keyOf = (id: string) => id.split('-')[0]!;
      // Each key's events are published in order (one publisher per key); the keys run side by side.
      await Promise.all(
        Array.from({ length: KEYS }, async (_, k) => {
          for (let i = 0; i < PER_KEY; i++)
            await t.api.events.publish.mutate({
              type: t.type,
              id: `k${k}-${String(i).padStart(3, '0')}`,
              data: { i },
              orderingKey: `k${k}`,
            });
        }),
      );
      await waitFor(() => ok.length >= 300, 120_000, '300 deliveries before the crash');
      await workers[0]!.stop('SIGKILL');
      workers.push(await startWorkerProcess(h.config, db, env));
      const delivered = () => new Set(ok.map((o) => o.id));
      await waitFor(() => delivered().size === KEYS * PER_KEY, 240_000, 'every event delivered');

      for (let k = 0; k < KEYS; k++) {
        const mine = ok.filter((o) => keyOf(o.id) === `k${k}`).map((o) => o.id);
        const expected = Array.from({ length: PER_KEY }, (_, i) => `k${k}-${String(i).padStart(3, '0')}`);
        // First successful arrivals in publish order, none lost…
        expect([...new Set(mine)]).toEqual(expected);
        // …no event was even tried before the one before it had succeeded (blockOnFailure)…
        const arrivals = all.filter((a) => keyOf(a.id) === `k${k}`);
        for (let i = 1; i < PER_KEY; i++) {
          const firstTry = arrivals.findIndex((a) => a.id === expected[i]);
          const prevSuccess = arrivals.findIndex((a) => a.id === expected[i - 1] && a.ok);
          expect(firstTry, `${expected[i]} tried before ${expected[i - 1]} succeeded`).toBeGreaterThan(prevSuccess);
        }
        // …and a repeat is only ever of the delivery that arrived just before it.
        for (let i = 1; i < mine.length; i++) {
          if (mine.slice(0, i).includes(mine[i]!)) expect(mine[i], `key k${k}, arrival ${i}`).toBe(mine[i - 1]);
        }
      }
      console.log(`ordered crash: ${ok.length} successful arrivals for ${KEYS * PER_KEY} events, ${seen.size} distinct`);
    } finally {
      await rx.close();
    }
  }, 420_000);
});
