import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelivery } from '../../src/core/delivery-start.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// temporal.api.enums.v1.EventType values (history events carry the number).
const WORKFLOW_TASK_COMPLETED = 7;
const ACTIVITY_TASK_SCHEDULED = 10;
const MARKER_RECORDED = 25;

// The lean hot path of `npm start`: the API shares the worker's connection and starts deliveries
// eagerly, and the attempt runs as a local activity inside the first workflow task.
describe('lean delivery path: eager start and local-activity attempts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ eagerStart: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('delivers every published event through eagerly started workflows, with the attempt history intact', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      const hooks = await Promise.all(
        ['a', 'b'].map((n) =>
          t.api.webhooks.create.mutate({ name: n, url: `${rx.url}/${n}`, eventTypes: [t.type], rateLimitPerSecond: 1000 }),
        ),
      );
      const events = await Promise.all(Array.from({ length: 20 }, (_, i) => t.api.events.publish.mutate({ type: t.type, data: { i } })));
      await waitFor(() => rx.arrivals.length >= 40, 30_000, '40 arrivals');
      const seen = new Set(rx.arrivals.map((a) => `${a.path} ${JSON.parse(a.body).id}`));
      expect(seen.size).toBe(40);
      for (const e of events.slice(0, 3)) {
        const d = await waitForDelivery(t.api, deliveryIdOf(e.id, hooks[0]!.id), ['succeeded']);
        expect(d.attemptRecords).toHaveLength(1);
        expect(d.attemptRecords[0]).toMatchObject({ attempt: 1, responseStatusCode: 200 });
      }
    } finally {
      await rx.close();
    }
  });

  it('starts a delivery eagerly on the worker connection and completes it in one workflow task', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      const hook = await t.api.webhooks.create.mutate({ name: 'one', url: rx.url, eventTypes: [t.type] });
      // Publish delivers it once; then a rerun of the same delivery is started by hand, eagerly.
      const event = await t.api.events.publish.mutate({ type: t.type, data: { eager: true } });
      // The arrival comes before the workflow closes; a rerun can start only once it has.
      await waitForDelivery(t.api, deliveryIdOf(event.id, hook.id), ['succeeded']);
      const started = await startDelivery(
        h.deps.temporal,
        h.config.temporal.taskQueue,
        { teamId: t.teamId, eventId: event.id, webhookId: hook.id, eventType: t.type, httpMethod: 'POST', url: rx.url },
        true,
        true,
      );
      expect(started.eagerlyStarted).toBe(true);
      const result = await h.deps.temporal.workflow.getHandle(started.workflowId).result();
      expect(result).toMatchObject({ status: 'succeeded' });
      const history = await h.deps.temporal.workflow.getHandle(started.workflowId).fetchHistory();
      const types = (history.events ?? []).map((e) => Number(e.eventType));
      // One workflow task, the attempt recorded as a local-activity marker, no activity task.
      expect(types.filter((x) => x === WORKFLOW_TASK_COMPLETED)).toHaveLength(1);
      expect(types).not.toContain(ACTIVITY_TASK_SCHEDULED);
      expect(types).toContain(MARKER_RECORDED);
      expect(types.length).toBeLessThanOrEqual(8);
    } finally {
      await rx.close();
    }
  });
});
