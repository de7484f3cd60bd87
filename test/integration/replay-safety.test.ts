import { WorkflowExecutionAlreadyStartedError, type WorkflowClient } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryResult } from '../support/delivery-result.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// `deliveries.replay` resets the row only once the new run has durably started.
describe('replay never leaves the deliveries row wrong', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness();
    t = await teamWithType(h);
  });
  afterAll(async () => h?.close());

  /** Replaces the API's workflow start for the duration of `fn`. */
  async function withStart<T>(start: WorkflowClient['start'], fn: () => Promise<T>): Promise<T> {
    const workflow = h.deps.temporal.workflow;
    workflow.start = start;
    try {
      return await fn();
    } finally {
      delete (workflow as Partial<WorkflowClient>).start;
    }
  }

  /** A delivery that failed after one attempt, finished; the receiver answers `status()`. */
  async function failedDelivery(status: () => number) {
    const rx = await startReceiver(() => ({ status: status() }));
    const w = await t.api.webhooks.create.mutate({
      name: 'replay',
      url: rx.url,
      eventTypes: [t.type],
      retryPolicy: { kind: 'window', windowMinutes: 0 },
    });
    const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const id = deliveryIdOf(e.id, w.id);
    await waitForDelivery(t.api, id, ['failed']);
    await deliveryResult(h.temporal, id);
    const row = () => h.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { rx, id, row };
  }

  it('a start that fails leaves the row as it was', async () => {
    const { rx, id, row } = await failedDelivery(() => 500);
    try {
      const before = await row();
      const down = async () => {
        throw Object.assign(new Error('14 UNAVAILABLE: connection refused (test)'), { code: 14 });
      };
      await withStart(down, () =>
        expect(t.api.deliveries.replay.mutate({ id })).rejects.toMatchObject({ data: { code: 'SERVICE_UNAVAILABLE' } }),
      );
      expect(await row()).toEqual(before);
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({ status: 'failed', attempts: 1 });
    } finally {
      await rx.close();
    }
  });

  it('another replay winning the race to the start is CONFLICT, never a 500, and the row is left alone', async () => {
    const { rx, id, row } = await failedDelivery(() => 500);
    try {
      const before = await row();
      const raced = async () => {
        throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', id, 'deliveryWorkflow');
      };
      await withStart(raced, () =>
        expect(t.api.deliveries.replay.mutate({ id })).rejects.toMatchObject({ data: { code: 'CONFLICT', httpStatus: 409 } }),
      );
      expect(await row()).toEqual(before);

      // And for real: concurrent replays are each either started or CONFLICT.
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => t.api.deliveries.replay.mutate({ id })));
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ data: { code: 'CONFLICT' } });
    } finally {
      await rx.close();
    }
  });

  it('a new run whose first attempt beats the reset keeps its own outcome in the row', async () => {
    let healthy = false;
    const { rx, id, row } = await failedDelivery(() => (healthy ? 200 : 500));
    try {
      healthy = true;
      const workflow = h.deps.temporal.workflow;
      const realStart = workflow.start.bind(workflow);
      // The start answers only after the new run has finished its attempt and written the row.
      const slowAnswer = (async (...args: Parameters<WorkflowClient['start']>) => {
        const handle = await realStart(...args);
        await waitFor(async () => (await row()).status === 'succeeded', 20_000, 'the new run to write the row');
        return handle;
      }) as WorkflowClient['start'];
      await withStart(slowAnswer, () => t.api.deliveries.replay.mutate({ id }));
      const newRun = (await h.temporal.workflow.getHandle(id).describe()).runId;
      expect(await row()).toMatchObject({ status: 'succeeded', attempts: 1, run_id: newRun });
      expect(await t.api.deliveries.get.query({ id })).toMatchObject({
        status: 'succeeded',
        attemptRecords: [{ responseStatusCode: 200 }],
      });
    } finally {
      await rx.close();
    }
  });
});
