import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, startHerald } from '../support/harness.js';
import { waitFor } from '../support/receiver.js';

/**
 * The README quickstart without internet: with HERALD_ALLOW_PRIVATE_TARGETS a webhook pointed
 * at the API's own /dev/echo/<channel> gets the delivery, readable back over HTTP.
 */
describe('development echo receiver', () => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await createHarness();
    ({ key } = await h.createTeam());
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${h.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, JSON.stringify(await res.clone().json())).toBeLessThan(300);
    return (await res.json()) as any;
  };

  it('receives the quickstart delivery, signed, and shows it back', async () => {
    await post('/v1/event-types', { name: 'order.paid' });
    const hook = await post('/v1/webhooks', { name: 'Local echo', url: `${h.apiUrl}/dev/echo/first`, eventTypes: ['order.paid'] });
    const event = await post('/v1/events', { type: 'order.paid', data: { orderId: '42' } });

    const received = await waitFor(
      async () => {
        const r = (await (await fetch(`${h.apiUrl}/dev/echo/first`)).json()) as {
          data: { method: string; headers: Record<string, string>; body: string }[];
        };
        return r.data[0];
      },
      20_000,
      'echoed delivery',
    );
    expect(received.method).toBe('POST');
    expect(JSON.parse(received.body)).toMatchObject({ id: event.id, type: 'order.paid', data: { orderId: '42' } });
    expect(new Webhook(hook.secret).verify(received.body, received.headers)).toMatchObject({ id: event.id });

    const delivery = await waitFor(async () => {
      const d = (await (
        await fetch(`${h.apiUrl}/v1/deliveries/${encodeURIComponent(`delivery:${event.id}:${hook.id}`)}`, { headers: { 'x-api-key': key } })
      ).json()) as { status: string; attemptRecords: { responseStatusCode: number }[] };
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attemptRecords[0]!.responseStatusCode).toBe(200);
  });

  it('keeps channels apart and refuses a channel name outside its rule', async () => {
    await fetch(`${h.apiUrl}/dev/echo/other`, { method: 'PUT', body: 'hello' });
    const other = (await (await fetch(`${h.apiUrl}/dev/echo/other`)).json()) as { data: { method: string; body: string }[] };
    expect(other.data).toEqual([expect.objectContaining({ method: 'PUT', body: 'hello' })]);
    const empty = (await (await fetch(`${h.apiUrl}/dev/echo/never-used`)).json()) as { data: unknown[] };
    expect(empty.data).toEqual([]);
    const bad = await fetch(`${h.apiUrl}/dev/echo/a.b`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^channel: /);
  });

  it('does not exist without the development flag', async () => {
    // A second API on the same database and Temporal, without the flag.
    const api = await startHerald(
      { ...h.config, delivery: { ...h.config.delivery, allowPrivateTargets: false } },
      { api: true },
      { migrate: false },
    );
    try {
      const url = `${api.handles.apiUrl}/dev/echo/first`;
      expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(url)).status).toBe(404);
    } finally {
      await api.stop();
    }
  });
});
