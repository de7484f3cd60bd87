import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_FANOUT_MAX } from '../../src/core/fan-out.js';
import { dispatchWorkflowId, type DeliveryState } from '../../src/workflows/delivery-contract.js';
import { DISPATCH_BATCH_SIZE } from '../../src/workflows/dispatch-workflow.js';
import { dispatchStartSpec } from '../../src/workflows/delivery-start-spec.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType } from '../support/scenario.js';
import { countEvents, fetchRunHistory, saveHistory } from './save-history.js';

/** One more than a batch: the dispatch fans out one full batch, continues as new, then one more. */
const WEBHOOKS = DISPATCH_BATCH_SIZE + 1;

describe('recording dispatch workflow histories', () => {
  let h: Harness;
  let rx: Receiver;
  beforeAll(async () => {
    h = await createHarness();
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  it(`records dispatch-continue-as-new, dispatch-last-batch and delivery-started-by-dispatch: one event to ${WEBHOOKS} webhooks`, async () => {
    expect(WEBHOOKS).toBeGreaterThan(DIRECT_FANOUT_MAX);
    const t = await teamWithType(h, 'video.media.ready', { maxActiveWebhooks: WEBHOOKS + 10 });
    const hooks: string[] = [];
    for (let i = 0; i < WEBHOOKS; i++) {
      hooks.push((await t.api.webhooks.create.mutate({ name: `fan${i}`, url: `${rx.url}/${i}`, eventTypes: [t.type] })).id);
    }
    // Publish starts dispatchWorkflowV2 now: the first type is started by hand, as publish once did.
    await t.api.eventTypes.create.mutate({ name: 'video.media.unsubscribed', description: 'no subscriber' });
    const e = await t.api.events.publish.mutate({ type: 'video.media.unsubscribed', data: { fanOut: WEBHOOKS } });
    await h.db.updateTable('events').set({ type: t.type }).where('id', '=', e.id).execute();
    const input = { teamId: t.teamId, eventId: e.id, eventType: t.type, projectId: null };
    await h.temporal.workflow.start('dispatchWorkflow', { ...dispatchStartSpec(input), taskQueue: h.config.temporal.taskQueue });
    const dispatchId = dispatchWorkflowId(t.teamId, e.id);
    // result() follows the continue-as-new chain to the last run.
    await h.temporal.workflow.getHandle(dispatchId).result();
    const last = await fetchRunHistory(h, dispatchId);
    const firstRunId = last.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    expect(firstRunId, 'the last run continued from a first run').toBeTruthy();
    const first = await fetchRunHistory(h, dispatchId, firstRunId!);
    expect(countEvents(first, 'startChildWorkflowExecutionInitiatedEventAttributes')).toBe(DISPATCH_BATCH_SIZE);
    expect(countEvents(first, 'workflowExecutionContinuedAsNewEventAttributes')).toBe(1);
    expect(countEvents(last, 'startChildWorkflowExecutionInitiatedEventAttributes')).toBe(1);
    await saveHistory(h, 'dispatch-continue-as-new', first, [t.key]);
    await saveHistory(h, 'dispatch-last-batch', last, [t.key]);

    await waitFor(() => rx.arrivals.length >= WEBHOOKS, 120_000, `${WEBHOOKS} arrivals`);
    const childId = deliveryIdOf(e.id, hooks[0]!);
    expect(((await h.temporal.workflow.getHandle(childId).result()) as DeliveryState).status).toBe('succeeded');
    await saveHistory(h, 'delivery-started-by-dispatch', await fetchRunHistory(h, childId), [t.key]);
  }, 300_000);

  it('records dispatch-v2-continue-as-new and dispatch-v2-last-page: pages of 10 over 15 webhooks, one page a run', async () => {
    const t = await teamWithType(h, 'video.pages.ready', { maxActiveWebhooks: 20 });
    const e = await t.api.events.publish.mutate({ type: t.type, data: { pages: true } });
    for (let i = 0; i < 15; i++) await t.api.webhooks.create.mutate({ name: `page${i}`, url: `${rx.url}/p${i}`, eventTypes: [t.type] });
    const input = { teamId: t.teamId, eventId: e.id, eventType: t.type, projectId: null, pageSize: 10, pagesPerRun: 1 };
    const spec = { ...dispatchStartSpec(input), workflowId: `${dispatchWorkflowId(t.teamId, e.id)}:v2` };
    const handle = await h.temporal.workflow.start('dispatchWorkflowV2', { ...spec, taskQueue: h.config.temporal.taskQueue });
    expect(await handle.result()).toEqual({ started: 5 });
    const last = await fetchRunHistory(h, spec.workflowId);
    const firstRunId = last.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    expect(firstRunId, 'the last run continued from a first run').toBeTruthy();
    const first = await fetchRunHistory(h, spec.workflowId, firstRunId!);
    expect(countEvents(first, 'activityTaskCompletedEventAttributes')).toBe(1);
    expect(countEvents(first, 'workflowExecutionContinuedAsNewEventAttributes')).toBe(1);
    expect(countEvents(last, 'workflowExecutionCompletedEventAttributes')).toBe(1);
    await saveHistory(h, 'dispatch-v2-continue-as-new', first, [t.key]);
    await saveHistory(h, 'dispatch-v2-last-page', last, [t.key]);
    await waitFor(() => rx.arrivals.filter((a) => a.path.includes('/p')).length >= 15, 60_000, '15 arrivals');
  }, 120_000);
});
