import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';
import { MAX_DISPATCH_FAILURES, sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';

// An API process that dies after storing an event but before starting its workflows leaves a
// row with no dispatch. Workers sweep such rows; these tests run one sweep by hand.
describe('sweeping events a crashed API left undispatched', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('dispatches an old undispatched event exactly once and leaves fresh ones to their publish', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      await t.api.webhooks.create.mutate({ name: 'sweep', url: rx.url, eventTypes: [t.type] });
      const row = (id: string, ageMs: number) => ({
        team_id: t.teamId,
        id,
        type: t.type,
        project_id: null,
        data: JSON.stringify({ id }),
        created_at: new Date(Date.now() - ageMs),
        dispatched_at: null,
      });
      // As the crashed API left them: stored, never started.
      await h.db
        .insertInto('events')
        .values([row('evt_orphan_old', 120_000), row('evt_orphan_fresh', 1_000)])
        .execute();

      const swept = await sweepUndispatched(h.deps, 60_000);
      expect(swept).toEqual({ dispatched: 1, failed: [] });
      const arrival = await waitFor(
        () => rx.arrivals.find((a) => JSON.parse(a.body).id === 'evt_orphan_old'),
        20_000,
        'swept event delivered',
      );
      expect(arrival.headers['webhook-id']).toBe(messageId(t.teamId, 'evt_orphan_old'));

      const events = await h.db.selectFrom('events').select(['id', 'dispatched_at']).where('team_id', '=', t.teamId).execute();
      expect(events.find((e) => e.id === 'evt_orphan_old')?.dispatched_at).toBeInstanceOf(Date);
      expect(events.find((e) => e.id === 'evt_orphan_fresh')?.dispatched_at).toBeNull();

      // A second sweep finds nothing old, and the event is not delivered twice.
      expect(await sweepUndispatched(h.deps, 60_000)).toEqual({ dispatched: 0, failed: [] });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(rx.arrivals.filter((a) => JSON.parse(a.body).id === 'evt_orphan_old')).toHaveLength(1);
      expect(rx.arrivals.some((a) => JSON.parse(a.body).id === 'evt_orphan_fresh')).toBe(false);
    } finally {
      await rx.close();
    }
  });

  it('skips a poison event, records why, dispatches the others, and gives up on it after a few sweeps', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      await t.api.webhooks.create.mutate({ name: 'poison', url: rx.url, eventTypes: [t.type] });
      const row = (id: string, ageMs: number) => ({
        team_id: t.teamId,
        id,
        type: t.type,
        project_id: null,
        data: JSON.stringify({ id }),
        created_at: new Date(Date.now() - ageMs),
        dispatched_at: null,
      });
      // The oldest event has an id longer than Temporal accepts in a workflow id: it can never start.
      const poison = `evt_${'x'.repeat(1200)}`;
      await h.db
        .insertInto('events')
        .values([row(poison, 180_000), row('evt_after_poison_1', 120_000), row('evt_after_poison_2', 120_000)])
        .execute();

      const first = await sweepUndispatched(h.deps, 60_000);
      expect(first.dispatched).toBe(2);
      expect(first.failed).toEqual([expect.objectContaining({ teamId: t.teamId, eventId: poison, failures: 1 })]);
      await waitFor(() => rx.arrivals.length === 2, 20_000, 'both good events delivered');
      expect(new Set(rx.arrivals.map((a) => JSON.parse(a.body).id))).toEqual(new Set(['evt_after_poison_1', 'evt_after_poison_2']));
      const recorded = await h.db
        .selectFrom('events')
        .select(['dispatch_failures', 'dispatch_error', 'dispatched_at'])
        .where('team_id', '=', t.teamId)
        .where('id', '=', poison)
        .executeTakeFirstOrThrow();
      expect(recorded).toMatchObject({ dispatch_failures: 1, dispatched_at: null });
      expect(recorded.dispatch_error).toMatch(/WorkflowId/i);

      for (let n = 2; n <= MAX_DISPATCH_FAILURES; n++)
        expect((await sweepUndispatched(h.deps, 60_000)).failed).toEqual([expect.objectContaining({ eventId: poison, failures: n })]);
      // Given up on: no longer tried.
      expect(await sweepUndispatched(h.deps, 60_000)).toEqual({ dispatched: 0, failed: [] });
    } finally {
      await rx.close();
    }
  });
});
