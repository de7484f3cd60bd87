import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';

type Answer = { status: number; body: unknown; headers: string[] };

// A single events.publish is answered without tRPC's HTTP adapter (src/api/trpc-single-call.ts);
// the same call in a batch of one still goes through the adapter. Both must answer alike.
describe('events.publish answered without the tRPC adapter', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  let readKey: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    t = await teamWithType(h, 'video.media.ready');
    await t.api.eventTypes.create.mutate({
      name: 'order.paid',
      description: '',
      schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } },
    });
    readKey = (await t.api.apiKeys.create.mutate({ name: 'reader', scope: 'read' })).key;
  });
  afterAll(async () => h?.close());

  async function post(path: string, body: unknown, key: string): Promise<Answer> {
    const res = await fetch(`${h.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    // Header names only: rate-limit figures count down between the two calls.
    const headers = [...res.headers.keys()].filter(
      (k) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(k),
    );
    return { status: res.status, body: await res.json(), headers: headers.sort() };
  }
  const single = (input: unknown, key = t.key) => post('/trpc/events.publish', input, key);
  const batchOfOne = async (input: unknown, key = t.key): Promise<Answer> => {
    const a = await post('/trpc/events.publish?batch=1', { 0: input }, key);
    return { ...a, body: (a.body as unknown[])[0] };
  };

  it.each([
    ['a stored event (published twice under one id)', { type: 'video.media.ready', id: 'evt_single_call_1', data: { a: 1 } }],
    ['an unknown type', { type: 'nope.nope', data: {} }],
    ['data failing the type’s JSON Schema', { type: 'order.paid', data: { amount: 'ten' } }],
    ['input failing validation', { type: 'video.media.ready', data: [1, 2] }],
    ['data over 256 KiB', { type: 'video.media.ready', data: { blob: 'x'.repeat(262_144) } }],
  ])('answers %s with the status, body and headers the adapter gives', async (_, input) => {
    // Once first, so that a stored event is a duplicate for both, and marked dispatched for both.
    await single(input);
    if ('id' in input)
      await waitFor(
        async () => (await h.db.selectFrom('events').select('dispatched_at').where('id', '=', input.id).executeTakeFirst())?.dispatched_at,
        10_000,
        'the dispatched mark',
      );
    const first = await single(input);
    const second = await batchOfOne(input);
    expect(first.status).toBe(second.status);
    expect(first.body).toEqual(second.body);
    expect(first.headers).toEqual(second.headers);
    expect(first.headers).toContain('vary');
  });

  it('answers a key without the publish scope with the adapter’s 403', async () => {
    const input = { type: 'video.media.ready', data: {} };
    const first = await single(input, readKey);
    expect(first.status).toBe(403);
    expect(first.body).toEqual((await batchOfOne(input, readKey)).body);
  });

  it('leaves a body that is not JSON to the adapter, which refuses it as the batch path does', async () => {
    const res = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` },
      body: '{"type":',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { data: { code: string; path: string } } };
    expect(body.error.data).toMatchObject({ code: 'BAD_REQUEST', path: 'events.publish' });
  });
});
