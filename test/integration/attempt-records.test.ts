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
      // The same record as the workflow's, but with the whole body.
      expect(done.attemptRecords.map((r) => ({ ...r, responseBody: truncateUtf8(r.responseBody, STATE_BODY_MAX_BYTES) }))).toEqual(
        state.attempts,
      );
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

  it('a retried attempt activity rewrites its record instead of adding one, in one statement with the deliveries row', async () => {
    const rx = await startReceiver(() => ({ status: 200 }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'retried', url: rx.url, eventTypes: [t.type] });
      // An event and its pending row, with no workflow: the activity is driven by hand.
      const eventId = 'evt_retried_activity';
      const id = await pendingDeliveryWithoutWorkflow(h, t, eventId, w.id);

      let statements = 0;
      // Not counted: the rate limiter's clock reads (rate-limiter.ts), which join the load only
      // while Postgres round trips exceed 10 ms, as on a loaded box; they are not the attempt's work.
      const isClockRead = (node: { kind: string }) =>
        node.kind === 'RawNode' && (node as unknown as { sqlFragments: string[] }).sqlFragments.join('').includes('as now_ms');
      const counter: KyselyPlugin = {
        transformQuery: (a) => (isClockRead(a.node) || statements++, a.node),
        transformResult: async (a) => a.result,
      };
      const activities = createActivities(
        createActivityDeps({ db: h.db.withPlugin(counter), config: h.config, log: createLogger('warn', 'test') }),
      );
      const env = new MockActivityEnvironment({ workflowExecution: { workflowId: id, runId: 'run-a' }, isLocal: true });
      const input = { deliveryId: id, teamId: t.teamId, eventId, webhookId: w.id, attempt: 1 };

      await env.run(activities.attemptDelivery, input);
      // Load (with the rate-limit slot) and record (attempt + deliveries row): two round trips.
      expect(statements).toBe(2);
      const second = (await env.run(activities.attemptDelivery, input)) as AttemptOutcome;
      if (second.kind !== 'attempted') throw new Error(`unexpected ${second.kind}`);

      expect(rx.arrivals).toHaveLength(2);
      const rows = await h.db.selectFrom('delivery_attempts').select(['id', 'run_id', 'attempt']).where('delivery_id', '=', id).execute();
      expect(rows).toEqual([{ id: second.record.id, run_id: 'run-a', attempt: 1 }]);
      const row = await h.db
        .selectFrom('deliveries')
        .select(['status', 'attempts', 'run_id'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'succeeded', attempts: 1, run_id: 'run-a' });
    } finally {
      await rx.close();
    }
  });
});
