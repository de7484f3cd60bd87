import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseMs } from '../../src/delivery/in-flight-cap.js';
import { heldLeases } from '../../src/repositories/webhook-in-flight-repo.js';
import type { Herald } from '../../src/app/create-herald.js';
import { createHarness, type Harness, mapResolver, startHerald, workflowBundle } from '../support/harness.js';
import { startWorkerProcess } from '../../src/app/herald-process.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType } from '../support/scenario.js';

type WorkerProcess = Awaited<ReturnType<typeof startWorkerProcess>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('per-webhook concurrency cap, shared through Postgres', () => {
  let h: Harness;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h?.close();
  });

  it('stores maxInFlight on create and update, and null restores the deployment default', async () => {
    const t = await teamWithType(h);
    const w = await t.api.webhooks.create.mutate({
      name: 'capped',
      url: 'https://hooks.example.com/in',
      eventTypes: [t.type],
      active: false,
    });
    expect(w.maxInFlight).toBeNull();
    expect((await t.api.webhooks.update.mutate({ id: w.id, maxInFlight: 3 })).maxInFlight).toBe(3);
    expect((await t.api.webhooks.get.query({ id: w.id })).maxInFlight).toBe(3);
    expect((await t.api.webhooks.update.mutate({ id: w.id, name: 'renamed' })).maxInFlight).toBe(3);
    expect((await t.api.webhooks.update.mutate({ id: w.id, maxInFlight: null })).maxInFlight).toBeNull();
    await expect(t.api.webhooks.update.mutate({ id: w.id, maxInFlight: 51 })).rejects.toThrow(/maxInFlight: must be 1–50/);
  });

  it('never has more than maxInFlight attempts at a slow receiver across two workers, and waiting burns no attempt', async () => {
    workers.push(
      ...(await Promise.all([startWorkerProcess(h.config, h.config.databaseUrl!), startWorkerProcess(h.config, h.config.databaseUrl!)])),
    );
    let inFlight = 0;
    let maxSeen = 0;
    const rx = await startReceiver(async () => {
      maxSeen = Math.max(maxSeen, ++inFlight);
      await sleep(400);
      inFlight--;
      return { status: 200 };
    });
    try {
      const t = await teamWithType(h);
      const hook = await t.api.webhooks.create.mutate({
        name: 'slow',
        url: rx.url,
        eventTypes: [t.type],
        rateLimitPerSecond: 1000,
        maxInFlight: 3,
      });
      const N = 24;
      const ids = await Promise.all(
        Array.from({ length: N }, (_, i) => t.api.events.publish.mutate({ type: t.type, data: { i } }).then((r) => r.id)),
      );
      await waitFor(() => rx.arrivals.length >= N, 90_000, `${N} arrivals`);
      const rows = await waitFor(
        async () => {
          const r = await h.db.selectFrom('deliveries').select(['id', 'status', 'attempts']).where('webhook_id', '=', hook.id).execute();
          return r.length === N && r.every((d) => d.status === 'succeeded') ? r : undefined;
        },
        20_000,
        'every delivery succeeded',
      );
      // The cap held at the receiver, and it was reached (the test would see a broken cap).
      expect(maxSeen).toBe(3);
      // 24 requests of 400 ms, 3 at a time: at least 8 rounds.
      const times = rx.arrivals.map((a) => a.at);
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(7 * 400 - 50);
      // Every delivery waited for a place (21 of them at least once) without counting an attempt.
      expect(rows.every((d) => d.attempts === 1)).toBe(true);
      const attempts = await h.db.selectFrom('delivery_attempts').select('delivery_id').where('webhook_id', '=', hook.id).execute();
      expect(attempts.map((a) => a.delivery_id).sort()).toEqual(ids.map((id) => deliveryIdOf(id, hook.id)).sort());
      expect(rx.arrivals).toHaveLength(N);
      // Both worker processes sent some of them, and every place was released.
      const attemptsBy = () => workers.map((w) => w.lines.filter((l) => l.includes('"msg":"attempt"')).length);
      await waitFor(() => attemptsBy().reduce((a, b) => a + b, 0) === N, 5_000, 'worker logs');
      expect(attemptsBy().every((n) => n > 0)).toBe(true);
      expect(await heldLeases(h.db, hook.id)).toEqual([]);
    } finally {
      await rx.close();
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    }
  }, 180_000);

  it('frees the place of an attempt whose worker was SIGKILLed once its lease expires', async () => {
    const env = { HERALD_DELIVERY_TIMEOUT_MS: '3000' };
    const lease = leaseMs(3000);
    const rx = await startReceiver(async (_a, i) => {
      if (i === 0) await sleep(2500); // the first request is in flight when its worker dies
      return { status: 200 };
    });
    // The second worker runs in this process, so it is up at once (a worker process can take
    // 30 s to start on a loaded machine, longer than the lease).
    const [first] = await Promise.all([startWorkerProcess(h.config, h.config.databaseUrl!, env), workflowBundle()]);
    workers.push(first);
    let second: Herald | undefined;
    try {
      const t = await teamWithType(h);
      const hook = await t.api.webhooks.create.mutate({
        name: 'one-at-a-time',
        url: rx.url,
        eventTypes: [t.type],
        rateLimitPerSecond: 1000,
        maxInFlight: 1,
      });
      const e1 = await t.api.events.publish.mutate({ type: t.type, data: { n: 1 } });
      await waitFor(() => rx.arrivals.length === 1, 30_000, 'first arrival');
      await first.stop('SIGKILL');
      // The killed delivery never runs again, so only its lease's expiry can free the place.
      await h.temporal.workflow.getHandle(deliveryIdOf(e1.id, hook.id)).terminate('test: the attempt died with its worker');
      expect(await heldLeases(h.db, hook.id)).toEqual([deliveryIdOf(e1.id, hook.id)]);
      second = await startHerald(h.config, { worker: true }, { resolve: mapResolver({}), migrate: false });
      const e2 = await t.api.events.publish.mutate({ type: t.type, data: { n: 2 } });
      await waitFor(() => rx.arrivals.length === 2, lease + 30_000, 'second arrival');
      const heldFor = rx.arrivals[1]!.at - rx.arrivals[0]!.at;
      console.log(`killed attempt's place held ${heldFor} ms after its send (lease ${lease} ms)`);
      // Not before the dead lease expired (it was taken just before the first send), and soon after.
      expect(heldFor).toBeGreaterThanOrEqual(lease - 1_000);
      expect(heldFor).toBeLessThan(lease + 15_000);
      // It was delivered as its first attempt: the waits counted none.
      const d2 = await waitFor(
        async () => {
          const r = await h.db
            .selectFrom('deliveries')
            .select(['status', 'attempts'])
            .where('id', '=', deliveryIdOf(e2.id, hook.id))
            .executeTakeFirst();
          return r?.status === 'succeeded' ? r : undefined;
        },
        20_000,
        'second delivery succeeded',
      );
      expect(d2.attempts).toBe(1);
      expect(await heldLeases(h.db, hook.id)).toEqual([]);
    } finally {
      await rx.close();
      await second?.stop();
    }
  }, 180_000);
});
