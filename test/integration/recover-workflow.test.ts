import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType } from '../support/scenario.js';
import { recoverStartSpec } from '../../src/workflows/recover-start-spec.js';

/** Deliveries of the bulk recovery: three pages of the workflow. */
const BULK = 300;
/** Deliveries of the other recoveries (fewer: each is a workflow with an attempt on a shared box). */
const N = 40;

/**
 * The answer is one count query and one workflow start; this bound allows for a loaded 2-core box
 * (other test runs alongside). That the replays happen after the answer is checked on the rows.
 */
const ANSWER_WITHIN_MS = 10_000;

/** Hundreds of deliveries, each a workflow with an attempt, on a loaded box. */
const BULK_TIMEOUT_MS = 300_000;

/**
 * Recovery as a workflow (deliveries.recover, webhooks.enable with `recover`): the call answers at
 * once with the recovery's id, the recovery then replays every matched delivery once, and its
 * progress is readable by its own team only.
 */
describe('recovering failed deliveries in bulk runs as a workflow', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await createHarness();
    t = await teamWithType(h);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
  });

  async function webhookWithReceiver(name: string) {
    const rx = await startReceiver();
    receivers.push(rx);
    const w = await t.api.webhooks.create.mutate({ name, url: rx.url, eventTypes: [t.type] });
    return { rx, w };
  }

  /**
   * `n` finished deliveries of the webhook, written as a run of failures leaves them: each event
   * stored and dispatched, each delivery ended `failed` (or `cancelled` because the webhook was
   * inactive). Written by SQL because 300 real failing runs would cost the test a minute; the
   * replays themselves are real workflows sending to a real receiver.
   */
  async function finishedDeliveries(webhookId: string, n: number, ended: 'failed' | 'cancelled') {
    const tag = `${ended}-${webhookId.slice(-6)}`;
    const eventIds = Array.from({ length: n }, (_, i) => `evt_${tag}_${String(i).padStart(4, '0')}`);
    await h.db
      .insertInto('events')
      .values(
        eventIds.map((id, i) => ({
          team_id: t.teamId,
          id,
          type: t.type,
          project_id: null,
          data_raw: `{"n":${i}}`,
          dispatched_at: new Date(),
        })),
      )
      .execute();
    await h.db
      .insertInto('deliveries')
      .values(
        eventIds.map((id) => ({
          id: deliveryIdOf(id, webhookId),
          team_id: t.teamId,
          event_id: id,
          webhook_id: webhookId,
          event_type: t.type,
          status: ended,
          attempts: 1,
          last_status_code: 500,
          reason: ended === 'failed' ? 'retry policy used up' : 'webhook inactive: deactivated by API',
          reason_code: ended === 'failed' ? 'retry_exhausted' : 'webhook_inactive',
          last_error: 'HTTP 500',
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
    return eventIds;
  }

  /** How many times each event reached the receiver. */
  function arrivalsPerEvent(rx: Receiver): Map<string, number> {
    const counts = new Map<string, number>();
    for (const a of rx.arrivals) {
      const id = (JSON.parse(a.body) as { id: string }).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** The recovery is done, each delivery was replayed once (one run, one attempt) and succeeded, and each event arrived. */
  async function expectEachDeliveredOnce(rx: Receiver, webhookId: string, eventIds: string[], recoveryId: string) {
    const n = eventIds.length;
    const status = await waitFor(
      async () => {
        const s = await t.api.deliveries.recoveryStatus.query({ id: recoveryId });
        return s.done ? s : undefined;
      },
      BULK_TIMEOUT_MS / 2,
      'recovery done',
    );
    expect(status).toMatchObject({ recoveryId, webhookId, state: 'done', done: true, matched: n, replayed: n, skipped: 0 });
    await waitFor(
      async () => {
        const left = await h.db
          .selectFrom('deliveries')
          .select(sql<string>`count(*)`.as('n'))
          .where('webhook_id', '=', webhookId)
          .where('status', '!=', 'succeeded')
          .executeTakeFirstOrThrow();
        return Number(left.n) === 0;
      },
      BULK_TIMEOUT_MS / 2,
      'every replayed delivery to succeed',
    );
    // One replay per delivery: exactly one new run, with one attempt, recorded for each.
    const runs = await h.db
      .selectFrom('delivery_attempts')
      .select(['delivery_id', sql<string>`count(distinct run_id)`.as('runs'), sql<string>`count(*)`.as('attempts')])
      .where('webhook_id', '=', webhookId)
      .groupBy('delivery_id')
      .execute();
    expect(runs).toHaveLength(n);
    expect(runs.filter((r) => Number(r.runs) !== 1 || Number(r.attempts) !== 1)).toEqual([]);
    // Every event reached the receiver. A copy beyond one per event can only be the same attempt
    // sent again after its worker task timed out (at-least-once sends on an overloaded box): it
    // adds no attempt record, and carries the same webhook-id.
    const counts = arrivalsPerEvent(rx);
    expect([...counts.keys()].sort()).toEqual([...eventIds].sort());
    const ids = new Map<string, Set<string>>();
    for (const a of rx.arrivals) {
      const id = (JSON.parse(a.body) as { id: string }).id;
      ids.set(id, (ids.get(id) ?? new Set()).add(String(a.headers['webhook-id'])));
    }
    expect([...ids.values()].every((set) => set.size === 1)).toBe(true);
  }

  /** Workflow ids a visibility query lists (Temporal UI's search). */
  async function listIds(query: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const x of h.temporal.workflow.list({ query })) ids.push(x.workflowId);
    return ids;
  }

  /** Deliveries of the webhook still `failed` or `cancelled` (not yet replayed). */
  async function stillFailed(webhookId: string): Promise<number> {
    const r = await h.db
      .selectFrom('deliveries')
      .select(sql<string>`count(*)`.as('n'))
      .where('webhook_id', '=', webhookId)
      .where('status', 'in', ['failed', 'cancelled'])
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it(
    'deliveries.recover answers at once with a recovery id, then replays each of 300 failed deliveries exactly once and each reaches the receiver',
    async () => {
      const { rx, w } = await webhookWithReceiver('bulk');
      const since = new Date(Date.now() - 60_000).toISOString();
      const eventIds = await finishedDeliveries(w.id, BULK, 'failed');

      const startedAt = Date.now();
      const r = await t.api.deliveries.recover.mutate({ webhookId: w.id, since });
      expect(Date.now() - startedAt).toBeLessThan(ANSWER_WITHIN_MS);
      // Answered before the work: most deliveries are still waiting for their replay.
      expect(await stillFailed(w.id)).toBeGreaterThan(BULK / 2);
      const recoveryId = `recover:${t.teamId}:${w.id}`;
      expect(r).toMatchObject({ recoveryId, workflowId: recoveryId, started: true, matched: BULK, webhookId: w.id, since, done: false });

      // Durable and visible: a recovery workflow of the team, found by its search attributes.
      await waitFor(
        async () => (await listIds(`TeamId = '${t.teamId}' AND WorkflowType = 'recoverWorkflow'`)).includes(recoveryId),
        20_000,
        'listed',
      );
      await expectEachDeliveredOnce(rx, w.id, eventIds, recoveryId);

      // Once done, the id is free again: a new call starts a new recovery, which finds nothing left to replay.
      const again = await t.api.deliveries.recover.mutate({ webhookId: w.id, since });
      expect(again).toMatchObject({ recoveryId, started: true, matched: 0 });
      const second = await waitFor(
        async () => {
          const st = await t.api.deliveries.recoveryStatus.query({ id: recoveryId });
          return st.done ? st : undefined;
        },
        30_000,
        'second recovery done',
      );
      expect(second).toMatchObject({ matched: 0, replayed: 0, skipped: 0 });
      const attempts = await h.db
        .selectFrom('delivery_attempts')
        .select(sql<string>`count(*)`.as('n'))
        .where('webhook_id', '=', w.id)
        .executeTakeFirstOrThrow();
      expect(Number(attempts.n)).toBe(BULK);
    },
    BULK_TIMEOUT_MS,
  );

  it(
    'a second identical recover while one runs starts nothing and answers the running recovery: no delivery is replayed twice',
    async () => {
      const { rx, w } = await webhookWithReceiver('twice');
      const since = new Date(Date.now() - 60_000).toISOString();
      const eventIds = await finishedDeliveries(w.id, N, 'failed');

      const answers = await Promise.all([
        t.api.deliveries.recover.mutate({ webhookId: w.id, since }),
        t.api.deliveries.recover.mutate({ webhookId: w.id, since }),
      ]);
      expect(answers.map((a) => a.started).sort()).toEqual([false, true]);
      expect(new Set(answers.map((a) => a.recoveryId)).size).toBe(1);
      const second = answers.find((a) => !a.started)!;
      expect(second).toMatchObject({ matched: N, state: 'running', done: false });
      await expectEachDeliveredOnce(rx, w.id, eventIds, answers[0]!.recoveryId);
    },
    BULK_TIMEOUT_MS,
  );

  it(
    'webhooks.enable with recover answers at once and replays each delivery the disable cut short exactly once',
    async () => {
      const { rx, w } = await webhookWithReceiver('parked');
      await t.api.webhooks.update.mutate({ id: w.id, active: false });
      const eventIds = await finishedDeliveries(w.id, N, 'cancelled');

      const startedAt = Date.now();
      const enabled = await t.api.webhooks.enable.mutate({ id: w.id, recover: 'disabled' });
      expect(Date.now() - startedAt).toBeLessThan(ANSWER_WITHIN_MS);
      // Answered before the work: not every delivery has been replayed yet.
      expect(await stillFailed(w.id)).toBeGreaterThan(0);
      const recoveryId = `recover:${t.teamId}:${w.id}`;
      expect(enabled.active).toBe(true);
      expect(enabled.recovered).toMatchObject({ recoveryId, workflowId: recoveryId, started: true, matched: N, done: false });
      await expectEachDeliveredOnce(rx, w.id, eventIds, recoveryId);
    },
    BULK_TIMEOUT_MS,
  );

  it(
    'a long recovery continues as new, run after run, and still replays each delivery once',
    async () => {
      const { rx, w } = await webhookWithReceiver('paged');
      const eventIds = await finishedDeliveries(w.id, 45, 'failed');
      const { until } = await sql<{ until: string }>`select now()::text as until`.execute(h.db).then((q) => q.rows[0]!);
      const since = new Date(Date.now() - 60_000).toISOString();
      // Pages of 10, two a run: runs of 20, 20 and 5 deliveries.
      const input = {
        teamId: t.teamId,
        webhookId: w.id,
        match: 'failed' as const,
        since,
        until,
        matched: 45,
        pageSize: 10,
        pagesPerRun: 2,
      };
      const handle = await h.temporal.workflow.start('recoverWorkflow', {
        ...recoverStartSpec(input),
        taskQueue: h.config.temporal.taskQueue,
      });
      await expectEachDeliveredOnce(rx, w.id, eventIds, handle.workflowId);
      const d = await h.temporal.workflow.getHandle(handle.workflowId).describe();
      expect(d.runId).not.toBe(handle.firstExecutionRunId);
      expect(await h.temporal.workflow.getHandle(handle.workflowId).result()).toMatchObject({ matched: 45, replayed: 45, skipped: 0 });
      // Visibility is eventually consistent: wait for the three runs to be listed.
      const runs = await waitFor(
        async () => {
          const statuses = [];
          for await (const x of h.temporal.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) statuses.push(x.status.name);
          return statuses.length === 3 ? statuses.sort() : undefined;
        },
        20_000,
        'three runs listed',
      );
      expect(runs).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    },
    BULK_TIMEOUT_MS,
  );

  it("another team cannot read a recovery's progress, by tRPC or REST", async () => {
    const { w } = await webhookWithReceiver('private');
    const r = await t.api.deliveries.recover.mutate({ webhookId: w.id, since: new Date(Date.now() - 60_000).toISOString() });
    expect((await t.api.deliveries.recoveryStatus.query({ id: r.recoveryId })).recoveryId).toBe(r.recoveryId);

    const other = await h.createTeam();
    const b = h.client(other.key);
    await expect(b.deliveries.recoveryStatus.query({ id: r.recoveryId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    // The same webhook under the other team's prefix names no recovery of theirs either.
    await expect(b.deliveries.recoveryStatus.query({ id: `recover:${other.teamId}:${w.id}` })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    const rest = await fetch(`${h.apiUrl}/v1/recoveries/${encodeURIComponent(r.recoveryId)}`, {
      headers: { 'x-api-key': other.key },
    });
    expect(rest.status).toBe(404);
    const own = await fetch(`${h.apiUrl}/v1/recoveries/${encodeURIComponent(r.recoveryId)}`, {
      headers: { 'x-api-key': t.key },
    });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ recoveryId: r.recoveryId, webhookId: w.id });
  });

  it('a delivery id or an empty id is not a recovery: NOT_FOUND and BAD_REQUEST naming the field', async () => {
    const { w } = await webhookWithReceiver('ids');
    await expect(t.api.deliveries.recoveryStatus.query({ id: deliveryIdOf('evt_x', w.id) })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    await expect(t.api.deliveries.recoveryStatus.query({ id: '' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('id'),
    });
  });
});
