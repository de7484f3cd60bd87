import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { messageId } from '../../src/delivery/message-id.js';

describe('end to end: API → Temporal workflow → activity → receiver', () => {
  let h: Harness;
  let receiver: Receiver;
  let key: string;
  let teamId: string;

  beforeAll(async () => {
    h = await createHarness();
    receiver = await startReceiver();
    ({ key, teamId } = await h.createTeam());
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  it('delivers a published event to a subscribed webhook with a verifiable signature', async () => {
    const api = h.client(key);
    await api.eventTypes.create.mutate({ name: 'video.media.ready', description: 'Media ready' });
    const webhook = await api.webhooks.create.mutate({ name: 'smoke', url: receiver.url, eventTypes: ['video.media.ready'] });
    const event = await api.events.publish.mutate({ type: 'video.media.ready', data: { mediaId: 'm1' } });

    const arrival = await waitFor(() => receiver.arrivals[0], 20_000, 'delivery');
    const body = JSON.parse(arrival.body);
    expect(body).toMatchObject({ id: event.id, type: 'video.media.ready', data: { mediaId: 'm1' } });
    expect(arrival.headers['webhook-id']).toBe(messageId(teamId, event.id));
    const verified = new Webhook(webhook.secret).verify(arrival.body, arrival.headers as Record<string, string>);
    expect(verified).toMatchObject({ id: event.id });

    const deliveryId = `delivery:${event.id}:${webhook.id}`;
    const delivery = await waitFor(async () => {
      const d = await api.deliveries.get.query({ id: deliveryId });
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attemptRecords).toHaveLength(1);
    expect(delivery.attemptRecords[0]).toMatchObject({ attempt: 1, responseStatusCode: 200, webhookId: webhook.id, address: receiver.url });
  });

  it('answers /healthz with both dependencies reachable', async () => {
    const res = await fetch(`${h.apiUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, postgres: { ok: true }, temporal: { ok: true } });
  });
});
