import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { purgeExpired } from '../../src/worker/purge-expired.js';
import { createHarness, type Harness, startHerald } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;

describe('retention', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  /** Moves a team's events, deliveries and attempt records `days` into the past. */
  async function backdate(teamId: string, eventIds: string[], days: number) {
    const past = sql<Date>`now() - make_interval(days => ${days}::int)`;
    await h.db.updateTable('events').set({ created_at: past }).where('team_id', '=', teamId).where('id', 'in', eventIds).execute();
    await h.db
      .updateTable('deliveries')
      .set({ created_at: past, updated_at: past })
      .where('team_id', '=', teamId)
      .where('event_id', 'in', eventIds)
      .execute();
  }

  /** A team with `old` succeeded events backdated 40 days, one recent, and one old delivery still retrying. */
  async function scenario() {
    const t = await teamWithType(h);
    const ok = await startReceiver();
    const failing = await startReceiver(() => ({ status: 500 }));
    const good = await t.api.webhooks.create.mutate({ name: 'ok', url: ok.url, eventTypes: [t.type] });
    const old: string[] = [];
    for (let i = 0; i < 5; i++) {
      const e = await t.api.events.publish.mutate({ type: t.type, data: { i } });
      old.push(e.id);
    }
    for (const id of old) await waitForDelivery(t.api, deliveryIdOf(id, good.id), ['succeeded']);
    const recent = await t.api.events.publish.mutate({ type: t.type, data: { recent: true } });
    await waitForDelivery(t.api, deliveryIdOf(recent.id, good.id), ['succeeded']);
    // A delivery in flight (parked in a retry wait) of an old event, to a webhook of its own.
    await t.api.webhooks.update.mutate({ id: good.id, active: false });
    const bad = await t.api.webhooks.create.mutate({ name: 'bad', url: failing.url, eventTypes: [t.type], retryPolicy: slowRetries });
    const inFlight = await t.api.events.publish.mutate({ type: t.type, data: { parked: true } });
    await waitForDelivery(t.api, deliveryIdOf(inFlight.id, bad.id), ['retrying']);
    await backdate(t.teamId, [...old, inFlight.id], 40);
    const close = async () => {
      await ok.close();
      await failing.close();
    };
    return { t, good, bad, old, recent, inFlight, close };
  }

  const count = async (table: 'events' | 'deliveries' | 'delivery_attempts', teamId: string) =>
    Number(
      (
        await h.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('team_id', '=', teamId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('removes old rows in batches of at most the batch size, and leaves recent and in-flight ones', async () => {
    const s = await scenario();
    try {
      const before = { events: await count('events', s.t.teamId), deliveries: await count('deliveries', s.t.teamId) };
      expect(before).toEqual({ events: 7, deliveries: 7 });
      const ticks = [];
      for (;;) {
        const r = await purgeExpired(h.db, { days: 30, batchSize: 2 });
        ticks.push(r);
        expect(r.deliveries).toBeLessThanOrEqual(2);
        expect(r.events).toBeLessThanOrEqual(2);
        if (r.deliveries === 0 && r.events === 0) break;
        expect(ticks.length).toBeLessThan(20);
      }
      // Five old deliveries in batches of two: 2, 2, 1.
      expect(ticks.slice(0, 3).map((r) => r.deliveries)).toEqual([2, 2, 1]);
      expect(ticks.reduce((n, r) => n + r.attempts, 0)).toBe(5);
      const left = await h.db
        .selectFrom('deliveries')
        .select(['event_id', 'status'])
        .where('team_id', '=', s.t.teamId)
        .orderBy('event_id')
        .execute();
      expect(left.sort((a, b) => a.event_id.localeCompare(b.event_id))).toEqual(
        [
          { event_id: s.recent.id, status: 'succeeded' },
          { event_id: s.inFlight.id, status: 'retrying' },
        ].sort((a, b) => a.event_id.localeCompare(b.event_id)),
      );
      const events = await h.db.selectFrom('events').select('id').where('team_id', '=', s.t.teamId).execute();
      expect(events.map((e) => e.id).sort()).toEqual([s.recent.id, s.inFlight.id].sort());
      expect(await count('delivery_attempts', s.t.teamId)).toBe(2);
      // The in-flight delivery's attempt records are all still there.
      const kept = await s.t.api.deliveries.get.query({ id: deliveryIdOf(s.inFlight.id, s.bad.id) });
      expect(kept.attemptRecords).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it("keeps a team's rows for its own retention_days over the default", async () => {
    const s = await scenario();
    try {
      await h.db.updateTable('teams').set({ retention_days: 60 }).where('id', '=', s.t.teamId).execute();
      await purgeExpired(h.db, { days: 30, batchSize: 100 });
      expect(await count('deliveries', s.t.teamId)).toBe(7);
      await h.db.updateTable('teams').set({ retention_days: 10 }).where('id', '=', s.t.teamId).execute();
      await purgeExpired(h.db, { days: 30, batchSize: 100 });
      expect(await count('deliveries', s.t.teamId)).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('runs as a background job with the sweeps (HERALD_RETENTION_EVERY_MS)', async () => {
    const s = await scenario();
    const sweeps = await startHerald(
      loadConfig({ ...process.env, ...envOf(h), HERALD_RETENTION_EVERY_MS: '200', HERALD_RETENTION_BATCH: '2' }),
      {
        sweeps: true,
      },
    );
    try {
      await waitFor(async () => (await count('deliveries', s.t.teamId)) === 2, 30_000, 'old deliveries purged by the job');
      await waitFor(async () => (await count('events', s.t.teamId)) === 2, 30_000, 'old events purged by the job');
      expect(
        (await h.db.selectFrom('deliveries').select('status').where('event_id', '=', s.inFlight.id).executeTakeFirstOrThrow()).status,
      ).toBe('retrying');
    } finally {
      await sweeps.stop();
      await s.close();
    }
  });
});

/** The environment that gives a second Herald the harness' database, Temporal and task queue. */
function envOf(h: Harness): Record<string, string> {
  return {
    DATABASE_URL: h.config.databaseUrl!,
    TEMPORAL_ADDRESS: h.config.temporal.address!,
    HERALD_TASK_QUEUE: h.config.temporal.taskQueue,
    HERALD_LOG_LEVEL: 'warn',
  };
}
