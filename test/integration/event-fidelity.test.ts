import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';
import { createHarness, type Harness } from '../support/harness.js';
import { jsonObjectText } from '../support/json-text-arbitrary.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';

/**
 * Fidelity: the receiver gets the published `data` text byte for byte (key order, number
 * spellings, escapes, whitespace, `__proto__`), inside a body whose signature verifies.
 */
describe('published data arrives byte for byte, signed', () => {
  let h: Harness;
  let receiver: Receiver;
  let key: string;
  let teamId: string;
  let secret: string;
  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000' } });
    receiver = await startReceiver();
    ({ key, teamId } = await h.createTeam());
    const api = h.caller(key);
    await api.eventTypes.create({ name: 'asset.ready', description: '' });
    ({ secret } = await api.webhooks.create({ name: 'fidelity', url: receiver.url, eventTypes: ['asset.ready'] }));
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  /** Publishes `{"type":"asset.ready","data":<dataText>}` as written; returns the HTTP status and answer. */
  async function publish(dataText: string) {
    const res = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: `{"type":"asset.ready","data":${dataText}}`,
    });
    return {
      status: res.status,
      json: (await res.json()) as { result?: { data: { id: string; createdAt: string } }; error?: { message: string } },
    };
  }

  /** Publishes, waits for the arrival and checks bytes and signature. */
  async function expectVerbatim(dataText: string) {
    const { status, json } = await publish(dataText);
    expect(status, json.error?.message).toBe(200);
    const event = json.result!.data;
    const arrival = await waitFor(
      () => receiver.arrivals.find((a) => a.headers['webhook-id'] === messageId(teamId, event.id)),
      20_000,
      `arrival of ${event.id}`,
    );
    const expected = `{"id":${JSON.stringify(event.id)},"type":"asset.ready","timestamp":${JSON.stringify(event.createdAt)},"data":${dataText}}`;
    expect(arrival.body).toBe(expected);
    expect(arrival.bytes.equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(new Webhook(secret).verify(arrival.bytes.toString('utf8'), arrival.headers as Record<string, string>)).toBeTruthy();
  }

  it('keeps big integers, 1.0, 1e400, __proto__, key order, escapes and whitespace', async () => {
    await expectVerbatim(
      '{"assetId":"a-1", "n":12345678901234567890123,"f":1.0,"e":1e400,"__proto__":{"x":1},"z":{"b":1,\n "a":[1.50,-0,1E+2]},"s":"caf\\u00e9 \\ud83d\\ude00 😀 \\/"}',
    );
  });

  it('keeps each call’s own data text in a batch request', async () => {
    const texts = ['{"b":1.0, "a":[]}', '{"a":2.50,"b":{"__proto__":null}}'];
    const res = await fetch(`${h.apiUrl}/trpc/events.publish,events.publish?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: `{"0":{"type":"asset.ready","data":${texts[0]}},"1":{"type":"asset.ready","data":${texts[1]}}}`,
    });
    expect(res.status).toBe(200);
    const events = ((await res.json()) as { result: { data: { id: string } } }[]).map((r) => r.result.data.id);
    for (const [i, id] of events.entries()) {
      const arrival = await waitFor(
        () => receiver.arrivals.find((a) => a.headers['webhook-id'] === messageId(teamId, id)),
        20_000,
        `arrival of ${id}`,
      );
      expect(arrival.body.endsWith(`"data":${texts[i]}}`)).toBe(true);
    }
  });

  it('refuses duplicate keys with a 400 naming the object and the key', async () => {
    expect(await publish('{"a":1,"a":2}')).toMatchObject({ status: 400, json: { error: { message: 'data: duplicate key "a"' } } });
    expect(await publish('{"x":{"a":1,"\\u0061":2}}')).toMatchObject({
      status: 400,
      json: { error: { message: 'data.x: duplicate key "a"' } },
    });
  });

  it('delivers any accepted JSON object text verbatim (property)', async () => {
    await fc.assert(fc.asyncProperty(jsonObjectText, expectVerbatim), { numRuns: 25 });
  });
});
