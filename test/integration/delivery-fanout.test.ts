import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType } from '../support/scenario.js';
import { DISPATCH_PAGE_SIZE } from '../../src/workflows/dispatch-workflow-v2.js';
import { dispatchWorkflowId } from '../../src/workflows/delivery-contract.js';

describe('fan-out', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('delivers one event to 100 subscribed webhooks, each once, matched by type, wildcard and project', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h, 'video.media.ready', { maxActiveWebhooks: 200 });
      const project = await t.api.projects.create.mutate({ name: 'studio' });
      const other = await t.api.projects.create.mutate({ name: 'other' });
      const patterns = ['video.media.ready', 'video.*', '*', 'video.media.*'];
      for (let i = 0; i < 100; i++) {
        await t.api.webhooks.create.mutate({
          name: `w${i}`,
          url: `${rx.url}/${i}?token=tok${i}secret`,
          eventTypes: [patterns[i % 4]!],
          projectId: i % 10 === 0 ? project.id : undefined,
        });
      }
      // Not matching: another project, inactive, another type.
      await t.api.webhooks.create.mutate({ name: 'other-project', url: `${rx.url}/x1`, eventTypes: ['*'], projectId: other.id });
      await t.api.webhooks.create.mutate({ name: 'inactive', url: `${rx.url}/x2`, eventTypes: ['*'], active: false });
      await t.api.eventTypes.create.mutate({ name: 'audio.ready', description: '' });
      await t.api.webhooks.create.mutate({ name: 'audio', url: `${rx.url}/x3`, eventTypes: ['audio.ready'] });

      const e = await t.api.events.publish.mutate({ type: 'video.media.ready', data: { big: 'fan-out' }, projectId: project.id });
      await waitFor(() => rx.arrivals.length >= 100, 60_000, '100 deliveries');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(rx.arrivals).toHaveLength(100);
      expect(new Set(rx.arrivals.map((a) => a.path)).size).toBe(100);
      expect(rx.arrivals.some((a) => a.path.includes('/x'))).toBe(false);
      const listed = await t.api.deliveries.list.query({ eventId: e.id, pageSize: 100 });
      expect(listed.data).toHaveLength(100);
      await waitFor(
        async () => (await h.db.selectFrom('events').select('dispatched_at').where('id', '=', e.id).executeTakeFirst())?.dispatched_at,
      );
      // A delivery the dispatch workflow started shows its URL redacted in the Temporal UI.
      const summary = await (await h.temporal.workflow.getHandle(deliveryIdOf(e.id, listed.data[0]!.webhookId)).describe()).staticSummary();
      expect(summary).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/hook\/\d+\?\*\*\* · video\.media\.ready$/);
      expect(summary).not.toContain('secret');
    } finally {
      await rx.close();
    }
  });

  it('fans one event out to 450 webhooks in three pages of one dispatch run, each webhook once', async () => {
    const rx = await startReceiver();
    try {
      const n = 2 * DISPATCH_PAGE_SIZE + 50;
      const t0 = Date.now();
      const t = await teamWithType(h, 'video.batch.ready', { maxActiveWebhooks: n });
      for (let i = 0; i < n; i++)
        await t.api.webhooks.create.mutate({ name: `b${i}`, url: `${rx.url}/${i}`, eventTypes: ['video.batch.ready'] });
      const created = Date.now();
      const e = await t.api.events.publish.mutate({ type: 'video.batch.ready', data: { n } });
      await waitFor(() => rx.arrivals.length >= n, 200_000, `${n} deliveries`);
      const dispatch = h.temporal.workflow.getHandle(dispatchWorkflowId(t.teamId, e.id));
      // The dispatch ends once every page is started; a duplicate start (if any) would come before it.
      expect(await dispatch.result()).toEqual({ started: n });
      expect(rx.arrivals).toHaveLength(n);
      expect(new Set(rx.arrivals.map((a) => a.path)).size).toBe(n);
      // One run, one activity per page (three), and no child workflow events.
      const history = await dispatch.fetchHistory();
      const kinds = (history.events ?? []).map((ev) => Object.keys(ev).find((k) => k.endsWith('EventAttributes')));
      expect(kinds.filter((k) => k === 'activityTaskScheduledEventAttributes')).toHaveLength(3);
      expect(kinds.filter((k) => k?.startsWith('startChildWorkflow'))).toHaveLength(0);
      expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeFalsy();
      console.log(`fan-out ${n}: webhooks created in ${created - t0} ms, delivered in ${Date.now() - created} ms`);
    } finally {
      await rx.close();
    }
  }, 240_000);

  it('a dispatch that continues as new after every page still reaches each webhook once', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h, 'video.pages.ready', { maxActiveWebhooks: 30 });
      // Published with no subscriber; the dispatch is then started by hand with pages of 10, one page a run.
      const e = await t.api.events.publish.mutate({ type: 'video.pages.ready', data: { pages: true } });
      for (let i = 0; i < 25; i++)
        await t.api.webhooks.create.mutate({ name: `p${i}`, url: `${rx.url}/${i}`, eventTypes: ['video.pages.ready'] });
      const workflowId = `${dispatchWorkflowId(t.teamId, e.id)}:by-hand`;
      const handle = await h.temporal.workflow.start('dispatchWorkflowV2', {
        workflowId,
        taskQueue: h.config.temporal.taskQueue,
        args: [{ teamId: t.teamId, eventId: e.id, eventType: 'video.pages.ready', projectId: null, pageSize: 10, pagesPerRun: 1 }],
      });
      // result() follows the continue-as-new chain to the last run (pages of 10, 10 and 5).
      expect(await handle.result()).toEqual({ started: 5 });
      await waitFor(() => rx.arrivals.length >= 25, 60_000, '25 deliveries');
      expect(new Set(rx.arrivals.map((a) => a.path)).size).toBe(25);
      const runs: string[] = [];
      await waitFor(
        async () => {
          runs.length = 0;
          for await (const w of h.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.status.name);
          return runs.length === 3 && runs.includes('COMPLETED');
        },
        30_000,
        'three dispatch runs in visibility',
      );
      expect(runs.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
      const rows = await h.db.selectFrom('deliveries').select('webhook_id').where('event_id', '=', e.id).execute();
      expect(rows).toHaveLength(25);
      expect(rx.arrivals).toHaveLength(25);
    } finally {
      await rx.close();
    }
  }, 120_000);
});
