import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../src/workflows/delivery-contract.js';
import { DELIVERY_FAILED } from '../../src/workflows/delivery-workflow.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// temporal.api.enums.v1.EventType values (history events carry the number).
const MARKER_RECORDED = 25;
const UPSERT_WORKFLOW_SEARCH_ATTRIBUTES = 40;

// deliveryWorkflowV2: terminal outcomes are the workflow's own close status, not an upsert.
describe('a finished delivery says how it ended through its workflow close status', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ eagerStart: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a delivery that succeeds closes Completed with its state and no search-attribute upsert', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      const hook = await t.api.webhooks.create.mutate({ name: 'ok', url: rx.url, eventTypes: [t.type] });
      const event = await t.api.events.publish.mutate({ type: t.type, data: { ok: true } });
      const id = deliveryIdOf(event.id, hook.id);
      await waitForDelivery(t.api, id, ['succeeded']);
      const handle = h.deps.temporal.workflow.getHandle(id);
      expect(((await handle.result()) as DeliveryState).status).toBe('succeeded');
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      const types = ((await handle.fetchHistory()).events ?? []).map((e) => Number(e.eventType));
      // Six events: started, task scheduled/started/completed, the attempt's marker, completed.
      expect(types).not.toContain(UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
      expect(types.filter((t) => t === MARKER_RECORDED)).toHaveLength(1);
      expect(types).toHaveLength(6);
      expect((await handle.describe()).type).toBe('deliveryWorkflowV2');
    } finally {
      await rx.close();
    }
  });

  it('a delivery whose retries run out closes Failed, the failure carrying every attempt, and deliveries.get still shows them', async () => {
    const rx = await startReceiver(() => ({ status: 500, body: 'no' }));
    try {
      const t = await teamWithType(h);
      const hook = await t.api.webhooks.create.mutate({
        name: 'bad',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 2, intervalSeconds: 1, backoff: 'fixed' },
      });
      const event = await t.api.events.publish.mutate({ type: t.type, data: { ok: false } });
      const id = deliveryIdOf(event.id, hook.id);
      const d = await waitForDelivery(t.api, id, ['failed']);
      expect(d.attemptRecords).toHaveLength(2);
      const handle = h.deps.temporal.workflow.getHandle(id);
      // The attempt's record (row status 'failed') commits before the workflow task that closes
      // the run completes (and the activity first starts any raised operational events).
      await waitFor(async () => (await handle.describe()).status.name !== 'RUNNING', 30_000, 'the run to close');
      expect((await handle.describe()).status.name).toBe('FAILED');
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(DELIVERY_FAILED);
      const state = (cause as ApplicationFailure).details?.[0] as DeliveryState;
      expect(state.status).toBe('failed');
      expect(state.attempts.map((a) => a.responseStatusCode)).toEqual([500, 500]);
    } finally {
      await rx.close();
    }
  });
});
