import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileRecentlyClosed, reconcileStale } from '../../src/worker/reconcile-deliveries.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;

// A workflow terminated (or deleted) from the Temporal UI never writes its deliveries row again.
describe('deliveries rows are reconciled with workflows closed from outside Herald', () => {
  let h: Harness;
  let deps: Parameters<typeof reconcileStale>[0];
  beforeAll(async () => {
    h = await createHarness();
    deps = { db: h.db, temporal: h.temporal, taskQueue: h.config.temporal.taskQueue };
  });
  afterAll(async () => h?.close());

  /** A delivery parked in a 60 s retry wait, of a team of its own (so no other webhook gets the event). */
  async function parked() {
    const t = await teamWithType(h);
    const rx = await startReceiver(() => ({ status: 500 }));
    const w = await t.api.webhooks.create.mutate({ name: 'rc', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
    const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const id = deliveryIdOf(e.id, w.id);
    await waitForDelivery(t.api, id, ['retrying']);
    const row = () => h.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { rx, w, id, row, t };
  }

  it('a delivery terminated in Temporal is set cancelled by the recently-closed pass and leaves the retry queue', async () => {
    const { rx, w, id, row, t } = await parked();
    try {
      await h.temporal.workflow.getHandle(id).terminate('operator stopped it');
      expect((await row()).status).toBe('retrying');
      // Visibility catches up within moments; the pass is what each worker runs every minute.
      await waitFor(
        async () => (await reconcileRecentlyClosed(deps)).settled.some((s) => s.id === id),
        20_000,
        'the terminated workflow to be listed',
      );
      expect(await row()).toMatchObject({
        status: 'cancelled',
        reason: 'workflow terminated in Temporal: operator stopped it',
        next_attempt_at: null,
      });
      expect(await t.api.webhooks.get.query({ id: w.id })).toMatchObject({ queueLength: 0, retryQueueLength: 0 });
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({
        status: 'cancelled',
        attemptsFrom: 'postgres',
        attemptRecords: [{ responseStatusCode: 500 }],
      });
    } finally {
      await rx.close();
    }
  });

  it('a fifo delivery terminated in Temporal is set cancelled by the recently-closed pass too', async () => {
    const t = await teamWithType(h);
    const rx = await startReceiver(() => ({ status: 500 }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'rc-fifo',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: slowRetries,
        ordering: 'fifo',
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['retrying']);
      expect((await h.temporal.workflow.getHandle(id).describe()).type).toBe('orderedDeliveryWorkflow');
      await h.temporal.workflow.getHandle(id).terminate('operator stopped the sequence head');
      await waitFor(
        async () => (await reconcileRecentlyClosed(deps)).settled.some((s) => s.id === id),
        20_000,
        'the terminated fifo workflow to be listed',
      );
      const row = await h.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'cancelled', reason: 'workflow terminated in Temporal: operator stopped the sequence head' });
    } finally {
      await rx.close();
    }
  });

  it('deliveries.get tells the truth about a terminated delivery at once, before any sweep, without writing the row; the sweep sets it', async () => {
    const { rx, id, row, t } = await parked();
    try {
      await h.temporal.workflow.getHandle(id).terminate('wrong target');
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({
        status: 'cancelled',
        reason: 'workflow terminated in Temporal: wrong target',
        lastError: 'workflow terminated in Temporal: wrong target',
        nextAttemptAt: null,
      });
      // A read never writes: the row is the reconciler's to set (core/delivery-status.ts).
      expect((await row()).status).toBe('retrying');
      expect((await reconcileStale(deps, 0)).settled).toEqual(
        expect.arrayContaining([{ id, status: 'cancelled', reason: 'workflow terminated in Temporal: wrong target' }]),
      );
      expect(await row()).toMatchObject({
        status: 'cancelled',
        reason: 'workflow terminated in Temporal: wrong target',
        reason_code: 'workflow_closed',
      });
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({
        status: 'cancelled',
        reason: 'workflow terminated in Temporal: wrong target',
      });
    } finally {
      await rx.close();
    }
  });

  it('the stale pass sets terminated rows, cancels running deliveries of a deactivated webhook, and leaves healthy ones running', async () => {
    const terminated = await parked();
    const orphaned = await parked();
    const healthy = await parked();
    try {
      await h.temporal.workflow.getHandle(terminated.id).terminate('gone');
      // Deactivated behind the API's back (as if it died before signalling).
      await h.db.updateTable('webhooks').set({ active: false, disabled_reason: 'by hand' }).where('id', '=', orphaned.w.id).execute();

      const r = await reconcileStale(deps, 0);
      expect(r.settled).toEqual(
        expect.arrayContaining([{ id: terminated.id, status: 'cancelled', reason: 'workflow terminated in Temporal: gone' }]),
      );
      expect(r.cancelled).toEqual([orphaned.id]);
      expect(await waitForDelivery(orphaned.t.api, orphaned.id, ['cancelled'], 10_000)).toMatchObject({
        reason: 'webhook inactive: by hand',
      });
      expect(await healthy.row()).toMatchObject({ status: 'retrying', reconciled_at: expect.any(Date) });
      expect((await h.temporal.workflow.getHandle(healthy.id).describe()).status.name).toBe('RUNNING');
    } finally {
      await Promise.all([terminated.rx.close(), orphaned.rx.close(), healthy.rx.close()]);
    }
  });

  it('the stale pass cancels a row whose workflow was deleted from Temporal', async () => {
    const { rx, id, row, t } = await parked();
    try {
      await h.temporal.workflowService.deleteWorkflowExecution({
        namespace: h.config.temporal.namespace,
        workflowExecution: { workflowId: id },
      });
      // The dev server deletes asynchronously, about 30 s later. A real cluster first terminates
      // the running workflow ("Delete workflow execution"), so the pass may see that instead.
      await waitFor(
        async () => (await reconcileStale(deps, 0)).settled.some((s) => s.id === id),
        90_000,
        'the deleted workflow to be noticed',
      );
      expect(await row()).toMatchObject({ status: 'cancelled' });
      expect((await row()).reason).toMatch(
        /^(workflow not found in Temporal \(deleted, or past retention\)|workflow terminated in Temporal: Delete workflow execution)$/,
      );
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({
        status: 'cancelled',
        attemptsFrom: 'postgres',
        attemptRecords: [{ responseStatusCode: 500 }],
      });
    } finally {
      await rx.close();
    }
  }, 150_000);
});
