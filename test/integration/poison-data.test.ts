import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchEvent } from '../../src/core/dispatch-event.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// A data error (the stored rows cannot make a request) is not an infrastructure error: it ends
// the delivery as failed with a reason instead of being retried by Temporal without end.
describe('poison data fails a delivery with a reason instead of retrying it forever', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness();
    t = await teamWithType(h);
  });
  afterAll(async () => h?.close());

  it('a malformed stored secret fails the delivery at once, nothing sent', async () => {
    const rx = await startReceiver();
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'bad-secret', url: rx.url, eventTypes: [t.type] });
      await h.db.updateTable('webhooks').set({ secret: 'whsec_not base64!' }).where('id', '=', w.id).execute();
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      const d = await waitForDelivery(t.api, id, ['failed'], 15_000);
      expect(d.reason).toMatch(/^data error: .*invalid webhook secret.*not retried$/);
      expect(d.attemptRecords).toHaveLength(1);
      expect(d.attemptRecords[0]!.error).toMatchObject({ kind: 'invalid' });
      expect(rx.arrivals).toHaveLength(0);
      expect((await h.temporal.workflow.getHandle(id).describe()).status.name).toBe('FAILED');
    } finally {
      await rx.close();
    }
  });

  it('an event row that cannot be serialised (created_at = infinity) fails the delivery at once', async () => {
    const rx = await startReceiver();
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'bad-event', url: rx.url, eventTypes: [t.type] });
      await sql`insert into events (team_id, id, type, project_id, data, created_at) values (${t.teamId}, 'evt_infinite', ${t.type}, null, '{}'::jsonb, 'infinity')`.execute(
        h.db,
      );
      const row = await h.db
        .selectFrom('events')
        .selectAll()
        .where('team_id', '=', t.teamId)
        .where('id', '=', 'evt_infinite')
        .executeTakeFirstOrThrow();
      await dispatchEvent(h.deps, row);
      const d = await waitForDelivery(t.api, deliveryIdOf('evt_infinite', w.id), ['failed'], 15_000);
      expect(d.reason).toMatch(/^data error: .*toISOString.*not retried$/);
      expect(rx.arrivals).toHaveLength(0);
    } finally {
      await rx.close();
    }
  });
});
