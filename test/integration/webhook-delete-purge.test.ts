import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/worker/purge-expired.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

const TOKEN = 'tok9f8e7d6c5b4a3f2e1d0c9b8a';
const BODY = 'receiver says: session=abc123-private';
const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;

describe('deleting a webhook purges its delivery data', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  const attemptsAtRest = (deliveryId: string) =>
    h.db
      .selectFrom('delivery_attempts')
      .select(['address', 'response_body', 'response_headers', 'error', 'response_status_code'])
      .where('delivery_id', '=', deliveryId)
      .execute();

  it('deliveries.get after webhooks.delete shows no token and no response body, in the API and at rest; status and codes stay', async () => {
    const t = await teamWithType(h);
    const rx = await startReceiver(() => ({ status: 200, headers: { server: 'private-server/1.0' }, body: BODY }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'purge', url: `${rx.url}/${TOKEN}?token=${TOKEN}`, eventTypes: [t.type] });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      const before = await waitForDelivery(t.api, id, ['succeeded']);
      // Before the delete, the token and the body are there to be seen: the check below can fail.
      expect(JSON.stringify(before)).toContain(TOKEN);
      expect(before.attemptRecords[0]!.responseBody).toBe(BODY);

      await t.api.webhooks.delete.mutate({ id: w.id });
      const after = await t.api.deliveries.get.query({ id });
      const text = JSON.stringify(after);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('session=abc123');
      expect(text).not.toContain('private-server');
      expect(after).toMatchObject({ status: 'succeeded', lastStatusCode: 200, attempts: 1 });
      expect(after.attemptRecords).toEqual([
        expect.objectContaining({
          address: `http://127.0.0.1:${rx.port}/***`,
          responseBody: '',
          responseHeaders: {},
          responseStatusCode: 200,
        }),
      ]);
      expect(await attemptsAtRest(id)).toEqual([
        { address: `http://127.0.0.1:${rx.port}/***`, response_body: '', response_headers: {}, error: null, response_status_code: 200 },
      ]);
      const listed = await t.api.deliveries.list.query({ webhookId: w.id });
      expect(JSON.stringify(listed)).not.toContain(TOKEN);
    } finally {
      await rx.close();
    }
  });

  it('a delivery still running when its webhook is deleted is shown redacted at once, and purged at rest by the retention job', async () => {
    const t = await teamWithType(h);
    const rx = await startReceiver(() => ({ status: 500, body: BODY }));
    try {
      const w = await t.api.webhooks.create.mutate({
        name: 'parked',
        url: `${rx.url}?token=${TOKEN}`,
        eventTypes: [t.type],
        retryPolicy: slowRetries,
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      const before = await waitForDelivery(t.api, id, ['retrying']);
      expect(before.attemptsFrom).toBe('workflow');
      expect(JSON.stringify(before)).toContain(TOKEN);

      await t.api.webhooks.delete.mutate({ id: w.id });
      // Read at once: it may still answer from the workflow's state, which keeps the URL and body.
      expect(JSON.stringify(await t.api.deliveries.get.query({ id }))).not.toContain(TOKEN);
      const d = await waitForDelivery(t.api, id, ['cancelled'], 15_000);
      expect(JSON.stringify(d)).not.toContain(TOKEN);
      expect(JSON.stringify(d)).not.toContain('session=abc123');

      // Whatever was written at rest after the delete's own batch, the job's next pass redacts it.
      await h.db.updateTable('delivery_attempts').set({ response_body: BODY }).where('delivery_id', '=', id).execute();
      const purge = await h.db.selectFrom('webhook_purges').selectAll().where('webhook_id', '=', w.id).executeTakeFirst();
      expect(purge).toBeDefined();
      await purgeExpired(h.db, { days: 30, batchSize: 100 });
      for (const a of await attemptsAtRest(id)) {
        expect(a).toMatchObject({ address: `http://127.0.0.1:${rx.port}/***`, response_body: '', response_headers: {} });
      }
    } finally {
      await rx.close();
    }
  });

  it('the purge row is removed once a full pass finds nothing in flight after the grace period', async () => {
    const t = await teamWithType(h);
    const rx = await startReceiver();
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'done', url: `${rx.url}?token=${TOKEN}`, eventTypes: [t.type] });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded']);
      await t.api.webhooks.delete.mutate({ id: w.id });
      const purge = () => h.db.selectFrom('webhook_purges').select('webhook_id').where('webhook_id', '=', w.id).executeTakeFirst();
      await purgeExpired(h.db, { days: 30, batchSize: 100 });
      expect(await purge()).toBeDefined(); // within the grace period
      await h.db
        .updateTable('webhook_purges')
        .set({ deleted_at: new Date(Date.now() - 10 * 60_000) })
        .where('webhook_id', '=', w.id)
        .execute();
      await purgeExpired(h.db, { days: 30, batchSize: 100 });
      expect(await purge()).toBeUndefined();
    } finally {
      await rx.close();
    }
  });
});
