import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { teamWithType } from '../support/scenario.js';

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError)
      return { code: err.data?.code as string, status: err.data?.httpStatus as number, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('events.publish input rules', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    t = await teamWithType(h, 'video.media.ready');
    await t.api.eventTypes.create.mutate({
      name: 'order.paid',
      description: '',
      schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } },
    });
    await t.api.eventTypes.create.mutate({ name: 'old.thing', description: '' });
    await t.api.eventTypes.archive.mutate({ name: 'old.thing' });
  });
  afterAll(async () => h?.close());

  it('refuses a type missing from the catalog', async () => {
    expect(await failure(t.api.events.publish.mutate({ type: 'nope.nope', data: {} }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'type: unknown event type: nope.nope',
    });
  });

  it('refuses an archived type', async () => {
    expect(await failure(t.api.events.publish.mutate({ type: 'old.thing', data: {} }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'type: event type is archived: old.thing',
    });
  });

  it('refuses data that is not a JSON object', async () => {
    const r = await failure(t.api.events.publish.mutate({ type: 'video.media.ready', data: [1, 2] as never }));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain('data: must be a JSON object');
  });

  it('refuses data over 256 KiB with PAYLOAD_TOO_LARGE (413)', async () => {
    const r = await failure(t.api.events.publish.mutate({ type: 'video.media.ready', data: { blob: 'x'.repeat(262_144) } }));
    expect(r).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    expect(r.message).toContain('data: must be at most 262144 bytes');
  });

  it('checks data against the type’s JSON Schema', async () => {
    const r = await failure(t.api.events.publish.mutate({ type: 'order.paid', data: { amount: 'ten' } }));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain('data/amount: must be number');
    expect((await failure(t.api.events.publish.mutate({ type: 'order.paid', data: {} }))).message).toContain(
      "must have required property 'amount'",
    );
  });

  it('refuses an invalid JSON Schema on the event type', async () => {
    const r = await failure(t.api.eventTypes.create.mutate({ name: 'bad.schema', description: '', schema: { type: 'nonsense' } }));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain('schema: invalid JSON Schema');
  });

  it('refuses an unknown project with NOT_FOUND', async () => {
    expect(await failure(t.api.events.publish.mutate({ type: 'video.media.ready', data: {}, projectId: 'prj_missing' }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('imports a seed catalog in one call, and again without duplicates', async () => {
    const first = await t.api.eventTypes.import.mutate({ catalog: 'pixop' });
    expect(first).toMatchObject({ added: 22, skipped: 0 });
    expect(await t.api.eventTypes.import.mutate({ catalog: 'pixop' })).toMatchObject({ added: 0, skipped: 22 });
    const names = (await t.api.eventTypes.list.query()).data.map((e) => e.name);
    expect(names).toContain('video_in.started');
    expect(names).not.toContain('old.thing');
  });

  it('refuses an oversized HTTP body before parsing it, and keeps serving', async () => {
    const res = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.key },
      body: JSON.stringify({ type: 'video.media.ready', data: { blob: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    const bad = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.key },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect((await t.api.eventTypes.list.query()).data.length).toBeGreaterThan(0);
  });
});
