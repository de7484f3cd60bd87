import type { WorkflowClient } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType, waitForDelivery } from '../support/scenario.js';

// A ping's event is marked dispatched only after its workflow is durably started, so a ping
// whose start failed is sent later by the undispatched-event sweep, to that webhook alone.
describe('webhooks.test marks its event dispatched only once the workflow has started', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('a ping whose start failed stays undispatched and the sweep sends it to that webhook only', async () => {
    const pinged = await startReceiver();
    const everything = await startReceiver();
    try {
      const t = await teamWithType(h);
      const w = await t.api.webhooks.create.mutate({ name: 'pinged', url: pinged.url, eventTypes: [t.type] });
      await t.api.webhooks.create.mutate({ name: 'all', url: everything.url, eventTypes: ['*'] });

      const workflow = h.deps.temporal.workflow;
      workflow.start = async () => {
        throw Object.assign(new Error('14 UNAVAILABLE: connection refused (test)'), { code: 14 });
      };
      try {
        await expect(t.api.webhooks.test.mutate({ id: w.id })).rejects.toMatchObject({ data: { code: 'SERVICE_UNAVAILABLE' } });
      } finally {
        delete (workflow as Partial<WorkflowClient>).start;
      }
      const event = await h.db
        .selectFrom('events')
        .selectAll()
        .where('team_id', '=', t.teamId)
        .where('type', '=', 'webhook.test')
        .executeTakeFirstOrThrow();
      expect(event.dispatched_at).toBeNull();

      expect(await sweepUndispatched(h.deps, -60_000)).toMatchObject({ dispatched: 1, failed: [] });
      const d = await waitForDelivery(t.api, `delivery:${event.id}:${w.id}`, ['succeeded']);
      expect(d.attemptRecords).toHaveLength(1);
      expect(JSON.parse(pinged.arrivals[0]!.body)).toMatchObject({ id: event.id, type: 'webhook.test' });
      const marked = await h.db
        .selectFrom('events')
        .select('dispatched_at')
        .where('team_id', '=', t.teamId)
        .where('id', '=', event.id)
        .executeTakeFirstOrThrow();
      expect(marked.dispatched_at).toBeInstanceOf(Date);
      // The `*` subscriber never gets another webhook's ping.
      const published = await t.api.events.publish.mutate({ type: t.type, data: {} });
      await waitFor(() => everything.arrivals.length === 1, 20_000, 'the * subscriber to get a published event');
      expect(JSON.parse(everything.arrivals[0]!.body).id).toBe(published.id);
    } finally {
      await pinged.close();
      await everything.close();
    }
  });
});
