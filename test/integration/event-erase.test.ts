import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// Next attempt a minute away: a parked delivery must not wait for it to learn its payload is gone.
const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;
const SECRET = 'card-4111-1111-1111-1111';

describe('events.erasePayload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('erases the stored payload and echoed response bodies: reads show it erased, id, type and times stay, and a replay is refused without resending', async () => {
    const t = await teamWithType(h);
    // The receiver echoes what it got: its response body holds the payload too.
    const rx = await startReceiver((a) => ({ status: 200, body: a.body }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'erase', url: rx.url, eventTypes: [t.type] });
      const e = await t.api.events.publish.mutate({ type: t.type, data: { card: SECRET } });
      const id = deliveryIdOf(e.id, w.id);
      expect((await waitForDelivery(t.api, id, ['succeeded'])).attemptRecords[0]!.responseBody).toContain(SECRET);
      expect(rx.arrivals).toHaveLength(1);

      const erased = await t.api.events.erasePayload.mutate({ id: e.id });
      expect(erased).toMatchObject({ id: e.id, type: t.type, data: null, createdAt: e.createdAt, cancelledDeliveries: 0 });
      expect(erased.payloadErasedAt).toEqual(expect.any(String));

      const got = await t.api.events.get.query({ id: e.id });
      expect(got).toMatchObject({ id: e.id, type: t.type, data: null, payloadErasedAt: erased.payloadErasedAt });
      const listed = await t.api.events.list.query();
      expect(listed.data.find((x) => x.id === e.id)).toMatchObject({ data: null, payloadErasedAt: erased.payloadErasedAt });
      const row = await h.db.selectFrom('events').selectAll().where('id', '=', e.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(SECRET);
      expect(row).toMatchObject({ data: null, data_raw: null });
      expect(JSON.stringify(await t.api.deliveries.get.query({ id }))).not.toContain(SECRET);

      await expect(t.api.deliveries.replay.mutate({ id })).rejects.toMatchObject({
        data: { code: 'CONFLICT' },
        message: `delivery ${id} cannot be replayed: the payload of event ${e.id} was erased`,
      });
      // Repeating the erase is harmless and keeps the first time.
      expect((await t.api.events.erasePayload.mutate({ id: e.id })).payloadErasedAt).toBe(erased.payloadErasedAt);
      // Publishing the same id again is the idempotent duplicate, still erased, and sends nothing.
      expect(await t.api.events.publish.mutate({ type: t.type, id: e.id, data: { card: SECRET } })).toMatchObject({
        duplicate: true,
        data: null,
      });
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('cancels a delivery parked in a retry wait, which never sends the payload again', async () => {
    const t = await teamWithType(h);
    const rx = await startReceiver(() => ({ status: 500 }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'parked', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
      const e = await t.api.events.publish.mutate({ type: t.type, data: { card: SECRET } });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['retrying']);
      expect((await t.api.events.erasePayload.mutate({ id: e.id })).cancelledDeliveries).toBe(1);
      const d = await waitForDelivery(t.api, id, ['cancelled'], 15_000);
      expect(d.reason).toBe('event payload erased');
      const row = await h.db.selectFrom('deliveries').select(['status', 'reason_code']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'cancelled', reason_code: 'event_erased' });
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('stops a delivery its cancel missed at its next attempt, sending nothing', async () => {
    const t = await teamWithType(h);
    const rx = await startReceiver(() => ({ status: 500 }));
    try {
      const w = await t.api.webhooks.create.mutate({ name: 'missed', url: rx.url, eventTypes: [t.type], retryPolicy: slowRetries });
      const e = await t.api.events.publish.mutate({ type: t.type, data: { card: SECRET } });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['retrying']);
      // Erased behind the API's back (no cancel signal), then the parked delivery is woken up.
      await h.db.updateTable('events').set({ data: null, data_raw: null, payload_erased_at: new Date() }).where('id', '=', e.id).execute();
      await t.api.deliveries.retryNow.mutate({ id });
      const d = await waitForDelivery(t.api, id, ['cancelled'], 15_000);
      expect(d.reason).toBe('event payload erased');
      expect(rx.arrivals).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it("answers an unknown id and another team's event with 404, a bad id with 400, and a read key with 403", async () => {
    const t = await teamWithType(h);
    const other = await teamWithType(h);
    const e = await t.api.events.publish.mutate({ type: t.type, data: { card: SECRET } });
    await expect(t.api.events.erasePayload.mutate({ id: 'no-such-event' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: 'event not found: no-such-event',
    });
    await expect(other.api.events.erasePayload.mutate({ id: e.id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: `event not found: ${e.id}`,
    });
    await expect(t.api.events.erasePayload.mutate({ id: '' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    const readKey = await h.caller(t.key).apiKeys.create({ name: 'dash', scope: 'read' });
    await expect(h.client(readKey.key).events.erasePayload.mutate({ id: e.id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    // None of these touched it.
    expect((await t.api.events.get.query({ id: e.id })).data).toEqual({ card: SECRET });

    const rest = (path: string, key = t.key) => fetch(`${h.apiUrl}${path}`, { method: 'DELETE', headers: { 'x-api-key': key } });
    const missing = await rest('/v1/events/no-such-event/payload');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe('event not found: no-such-event');
    expect((await rest(`/v1/events/${e.id}/payload`, other.key)).status).toBe(404);
    expect((await rest(`/v1/events/${'x'.repeat(129)}/payload`)).status).toBe(400);
    const ok = await rest(`/v1/events/${e.id}/payload`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: e.id, data: null });
    await waitFor(async () => (await t.api.events.get.query({ id: e.id })).data === null);
  });

  it('is in the OpenAPI document as DELETE /v1/events/{id}/payload', async () => {
    const doc = (await (await fetch(`${h.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/v1/events/{id}/payload']?.delete).toBeDefined();
  });
});
