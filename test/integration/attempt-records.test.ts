import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../../src/core/attempt/attempt-types.js';
import { createActivities } from '../../src/activities/create-activities.js';
import { STATE_BODY_MAX_BYTES, truncateUtf8 } from '../../src/delivery/state-record.js';
import { createLogger } from '../../src/log.js';
import { createActivityDeps } from '../../src/worker/create-activity-deps.js';
import { deliveryResult } from '../support/delivery-result.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, pendingDeliveryWithoutWorkflow, teamWithType, waitForDelivery } from '../support/scenario.js';

const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;

// Attempt records outlive the workflow's history (PostgreSQL), and workflow state stays small.
describe('attempt records in PostgreSQL', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    // The largest body the configuration allows is kept in PostgreSQL; state keeps 1 KiB.
    h = await createHarness({ env: { HERALD_RESPONSE_BODY_MAX_BYTES: '1048576' } });
    t = await teamWithType(h);
  });
  afterAll(async () => h?.close());

  it('serves attempts from the running workflow, then from PostgreSQL, also after the workflow is deleted', async () => {
    const big = 'é'.repeat(300_000); // 600,000 bytes
    let healthy = false;
    const rx = await startReceiver(() => (healthy ? { status: 200, body: 'ok' } : { status: 500, body: big }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'records', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);

      const running = await waitForDelivery(t.api, id, ['retrying']);
      expect(running.attemptsFrom).toBe('workflow');
      expect(Buffer.byteLength(running.attemptRecords[0]!.responseBody)).toBe(STATE_BODY_MAX_BYTES);

      healthy = true;
      await t.api.deliveries.retryNow.mutate({ id });
      const done = await waitForDelivery(t.api, id, ['succeeded']);
      expect(done.attemptsFrom).toBe('postgres');
      const state = await deliveryResult(h.temporal, id);
      expect(done.attemptRecords.map((r) => r.responseStatusCode)).toEqual([500, 200]);
      expect(done.attemptRecords[0]!.responseBody).toBe(big);
      // The same record as the workflow's, but with the whole body and the request headers sent (masked), which state never holds.
      expect(
        done.attemptRecords.map(({ requestHeaders: _sent, ...r }) => ({
          ...r,
          responseBody: truncateUtf8(r.responseBody, STATE_BODY_MAX_BYTES),
        })),
      ).toEqual(state.attempts);
      for (const r of done.attemptRecords)
        expect(r.requestHeaders).toMatchObject({ 'webhook-signature': expect.stringMatching(/^v1,\*\*\*/) });
      expect(state.attempts.some((r) => 'requestHeaders' in r)).toBe(false);
      expect({ status: done.status, reason: done.reason, nextAttemptAt: done.nextAttemptAt }).toEqual({
        status: state.status,
        reason: state.reason,
        nextAttemptAt: state.nextAttemptAt,
      });

      // The history goes (as it does after the namespace retention); the attempts stay.
      await h.temporal.workflowService.deleteWorkflowExecution({
        namespace: h.config.temporal.namespace,
        workflowExecution: { workflowId: id },
      });
      // The dev server deletes asynchronously, about 30 s later.
      await waitFor(
        () =>
          h.temporal.workflow
            .getHandle(id)
            .describe()
            .then(
              () => false,
              (err: unknown) => err instanceof WorkflowNotFoundError,
            ),
        90_000,
        'the workflow to be deleted',
      );
      expect(await t.api.deliveries.get.query({ id })).toEqual(done);
    } finally {
      await rx.close();
    }
  }, 150_000);

  it('keeps a response body holding NUL bytes (PostgreSQL refuses them in text) instead of failing the write', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: 'a\u0000b' }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'nul', url: rx.url, eventTypes: [t.type] });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      const d = await waitForDelivery(t.api, id, ['succeeded']);
      expect((await deliveryResult(h.temporal, id)).attempts[0]!.responseBody).toBe('a\uFFFDb');
      expect(d.attemptsFrom).toBe('postgres');
      expect(d.attemptRecords[0]!.responseBody).toBe('a\uFFFDb');
    } finally {
      await rx.close();
    }
  });

  it('a row written before attempts were kept in PostgreSQL (no run id) still shows its attempts from the workflow', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: 'legacy' }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'legacy', url: rx.url, eventTypes: [t.type] });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['succeeded']);
      await deliveryResult(h.temporal, id);
      await h.db.updateTable('deliveries').set({ run_id: null }).where('id', '=', id).execute();
      await h.db.deleteFrom('delivery_attempts').where('delivery_id', '=', id).execute();
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({
        status: 'succeeded',
        attemptsFrom: 'workflow',
        attemptRecords: [{ responseStatusCode: 200, responseBody: 'legacy' }],
      });
    } finally {
      await rx.close();
    }
  });

  /** The attempt activity driven by hand (no workflow), counting its statements. */
  function handDriven(id: string, runId: string) {
    const counted = { statements: 0 };
    // Not counted: the rate limiter's clock reads (rate-limiter.ts), which join the load only
    // while Postgres round trips exceed 10 ms, as on a loaded box; they are not the attempt's work.
    const isClockRead = (node: { kind: string }) =>
      node.kind === 'RawNode' && (node as unknown as { sqlFragments: string[] }).sqlFragments.join('').includes('as now_ms');
    const counter: KyselyPlugin = {
      transformQuery: (a) => (isClockRead(a.node) || counted.statements++, a.node),
      transformResult: async (a) => a.result,
    };
    const activities = createActivities(
      createActivityDeps({ db: h.db.withPlugin(counter), config: h.config, log: createLogger('warn', 'test') }),
    );
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: id, runId }, isLocal: true });
    const attempt = async (input: Parameters<typeof activities.attemptDelivery>[0]) => {
      const out = (await env.run(activities.attemptDelivery, input)) as AttemptOutcome;
      if (out.kind !== 'attempted') throw new Error(`unexpected ${out.kind}`);
      return out;
    };
    return { counted, attempt };
  }

  const rowOf = (id: string) =>
    h.db
      .selectFrom('deliveries')
      .select(['status', 'attempts', 'run_id', 'reason', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('an attempt run again after it was recorded answers its recorded outcome: nothing is sent or written twice', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: 'first' }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'rerun', url: rx.url, eventTypes: [t.type] });
      // An event and its pending row, with no workflow: the activity is driven by hand.
      const eventId = 'evt_rerun_activity';
      const id = await pendingDeliveryWithoutWorkflow(h, t, eventId, w.id);
      const { counted, attempt } = handDriven(id, 'run-a');
      const input = { deliveryId: id, teamId: t.teamId, eventId, webhookId: w.id, attempt: 1 };

      const first = await attempt(input);
      // Load (with the rate-limit slot) and record (attempt + deliveries row): two round trips.
      expect(counted.statements).toBe(2);
      const rowAfterFirst = await rowOf(id);
      // The same attempt again, as a local activity runs again when its workflow task is lost.
      const second = await attempt(input);
      // One statement (the load, which found the record), no second request to the receiver.
      expect(counted.statements).toBe(3);
      expect(rx.arrivals).toHaveLength(1);
      expect(second).toEqual(first);
      expect(second.status).toBe('succeeded');
      expect(await rowOf(id)).toEqual(rowAfterFirst);
      const rows = await h.db
        .selectFrom('delivery_attempts')
        .select(['id', 'run_id', 'attempt', 'status'])
        .where('delivery_id', '=', id)
        .execute();
      expect(rows).toEqual([{ id: first.record.id, run_id: 'run-a', attempt: 1, status: 'succeeded' }]);
      // The place under the concurrency caps was released by the first run and not taken again.
      const lease = await h.db.selectFrom('webhook_in_flight').select('leases').where('webhook_id', '=', w.id).executeTakeFirstOrThrow();
      expect(Object.keys(lease.leases)).not.toContain(id);

      // The next attempt, or the same attempt in another run (a replay), is sent.
      await attempt({ ...input, attempt: 2 });
      await handDriven(id, 'run-b').attempt(input);
      expect(rx.arrivals).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });

  it('an attempt run again while its first run is still sending joins it: one request, one record, the same outcome', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const rx = await startReceiver(async () => {
      await held;
      return { status: 200, body: 'once' };
    });
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'rerun-concurrent', url: rx.url, eventTypes: [t.type] });
      const eventId = 'evt_rerun_concurrent';
      const id = await pendingDeliveryWithoutWorkflow(h, t, eventId, w.id);
      const { attempt } = handDriven(id, 'run-c');
      const input = { deliveryId: id, teamId: t.teamId, eventId, webhookId: w.id, attempt: 1 };

      const first = attempt(input);
      await waitFor(() => rx.arrivals.length === 1, 10_000, 'the first run at the receiver');
      // As a local activity runs again when its workflow task times out mid-attempt.
      const second = attempt(input);
      release();
      const [a, b] = await Promise.all([first, second]);
      expect(b).toEqual(a);
      expect(a.status).toBe('succeeded');
      expect(rx.arrivals).toHaveLength(1);
      const rows = await h.db.selectFrom('delivery_attempts').select(['run_id', 'attempt']).where('delivery_id', '=', id).execute();
      expect(rows).toEqual([{ run_id: 'run-c', attempt: 1 }]);
    } finally {
      release();
      await rx.close();
    }
  });

  it('a re-run answers a recorded retry with its wait, and a recorded 410 as failed although the webhook is now inactive', async () => {
    let status = 500;
    const rx = await startReceiver(() => ({ status }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'rerun-fail', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
      const eventId = 'evt_rerun_retry';
      const id = await pendingDeliveryWithoutWorkflow(h, t, eventId, w.id);
      const { attempt } = handDriven(id, 'run-r');
      const input = { deliveryId: id, teamId: t.teamId, eventId, webhookId: w.id, attempt: 1 };

      const retrying = await attempt(input);
      expect(retrying.status).toBe('retrying');
      expect(retrying.record.nextAttemptAt).not.toBeNull();
      expect(await attempt(input)).toEqual(retrying);
      expect(rx.arrivals).toHaveLength(1);

      status = 410;
      const gone = await attempt({ ...input, attempt: 2, firstAttemptAtMs: retrying.attemptedAtMs });
      expect(gone).toMatchObject({ status: 'failed', reason: expect.stringContaining('410') });
      expect((await t.api.webhooks.get.query({ id: w.id })).active).toBe(false);
      // Without the record, the re-run would find the webhook inactive and cancel the delivery.
      expect(await attempt({ ...input, attempt: 2, firstAttemptAtMs: retrying.attemptedAtMs })).toEqual(gone);
      expect(rx.arrivals).toHaveLength(2);
      expect((await rowOf(id)).status).toBe('failed');
    } finally {
      await rx.close();
    }
  });

  it('a record kept before outcomes were (no status) is sent again on a re-run and rewritten, not added to', async () => {
    const rx = await startReceiver(() => ({ status: 200 }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'retried', url: rx.url, eventTypes: [t.type] });
      const eventId = 'evt_retried_activity';
      const id = await pendingDeliveryWithoutWorkflow(h, t, eventId, w.id);
      const { attempt } = handDriven(id, 'run-a');
      const input = { deliveryId: id, teamId: t.teamId, eventId, webhookId: w.id, attempt: 1 };

      await attempt(input);
      // As a row recorded before the migration that added the outcome columns.
      await h.db.updateTable('delivery_attempts').set({ status: null, reason: null }).where('delivery_id', '=', id).execute();
      const second = await attempt(input);

      expect(rx.arrivals).toHaveLength(2);
      const rows = await h.db
        .selectFrom('delivery_attempts')
        .select(['id', 'run_id', 'attempt', 'status'])
        .where('delivery_id', '=', id)
        .execute();
      expect(rows).toEqual([{ id: second.record.id, run_id: 'run-a', attempt: 1, status: 'succeeded' }]);
      const row = await rowOf(id);
      expect({ status: row.status, attempts: row.attempts, run_id: row.run_id }).toEqual({
        status: 'succeeded',
        attempts: 1,
        run_id: 'run-a',
      });
    } finally {
      await rx.close();
    }
  });
});
