import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_FANOUT_MAX } from '../../src/core/fan-out.js';
import { dispatchWorkflowId, type DeliveryState } from '../../src/workflows/delivery-contract.js';
import { DISPATCH_BATCH_SIZE } from '../../src/workflows/dispatch-workflow.js';
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
    const e = await t.api.events.publish.mutate({ type: t.type, data: { fanOut: WEBHOOKS } });
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
});
