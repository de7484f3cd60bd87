import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { isOperationalEventType } from '../../src/catalogs/operational-events.js';

/**
 * Issue 15's table, over real HTTP with the JSON text written by hand (so `\u0000`, lone
 * surrogates and nesting arrive exactly as a hostile client sends them). Each row answered 500.
 */
describe('bad characters and nesting get a 400 naming the field and the rule', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000' } });
    ({ key } = await h.createTeam());
    await h.caller(key).eventTypes.create({ name: 'video.media.ready', description: '' });
  });
  afterAll(async () => h?.close());

  /** POSTs `body` (JSON text, sent as is) to a mutation; returns the HTTP status and the error message. */
  async function post(path: string, body: string) {
    const res = await fetch(`${h.apiUrl}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body,
    });
    const json = (await res.json()) as { error?: { message: string; data: { code: string } } };
    return { status: res.status, code: json.error?.data.code, message: json.error?.message ?? '' };
  }
  const webhookBody = (name: string) => `{"name":${name},"url":"http://127.0.0.1:9/x","eventTypes":["video.media.ready"],"active":false}`;
  const publishBody = (data: string) => `{"type":"video.media.ready","data":${data}}`;

  it.each([
    ['webhooks.create', webhookBody('"a\\u0000b"'), 'name: must not contain NUL (U+0000 at 1)'],
    ['eventTypes.create', '{"name":"order.paid","description":"x\\u0000y"}', 'description: must not contain NUL (U+0000 at 1)'],
    ['projects.create', '{"name":"a\\u0000b"}', 'name: must not contain NUL (U+0000 at 1)'],
    ['apiKeys.create', '{"name":"a\\u0000b"}', 'name: must not contain NUL (U+0000 at 1)'],
    ['events.publish', publishBody('{"s":"a\\u0000b"}'), 'data.s: must not contain NUL (U+0000 at 1)'],
    ['events.publish', publishBody('{"ok":{"a\\u0000b":1}}'), 'data.ok: key "a\\u0000b" must not contain NUL (U+0000 at 1)'],
    ['events.publish', publishBody('{"s":"\\ud800"}'), 'data.s: must not contain a lone UTF-16 surrogate (U+D800 at 0)'],
    ['events.publish', publishBody('{"s":["x","\\udc00y"]}'), 'data.s.1: must not contain a lone UTF-16 surrogate (U+DC00 at 0)'],
  ])('%s with %s → 400 %s', async (path, body, message) => {
    expect(await post(path, body)).toEqual({ status: 400, code: 'BAD_REQUEST', message });
  });

  it('refuses data nested 100,000 levels deep (a 600 KB body) at level 65, and keeps serving', async () => {
    const n = 100_000;
    const r = await post('events.publish', publishBody('{"a":'.repeat(n) + '1' + '}'.repeat(n)));
    expect(r).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(r.message).toMatch(/^data\.a\.a\.a\.a\.a\.a\.a…: must not nest deeper than 64 levels of objects and arrays$/);
    const arrays = await post('events.publish', publishBody('{"a":' + '['.repeat(n) + ']'.repeat(n) + '}'));
    expect(arrays.status).toBe(400);
    expect(arrays.message).toContain('must not nest deeper than 64 levels');
    expect((await h.caller(key).eventTypes.list()).data.filter((t) => !isOperationalEventType(t.name))).toHaveLength(1);
  });

  it('accepts data exactly 64 levels deep', async () => {
    const deep = '{"a":'.repeat(63) + '{}' + '}'.repeat(63);
    const res = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: publishBody(deep),
    });
    expect(res.status).toBe(200);
  });

  it('refuses a JSON Schema nested 100,000 levels deep at level 65 (it overflowed the stack when cached)', async () => {
    const n = 100_000;
    const r = await post('eventTypes.create', `{"name":"deep.schema","schema":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`);
    expect(r).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'schema.a.a.a.a.a.a.a…: must not nest deeper than 64 levels of objects and arrays',
    });
  });

  it('refuses control characters in names (ANSI escapes too) and in free text other than tab and newline', async () => {
    expect(await post('webhooks.create', webhookBody('"a\\u0007\\u001bb"'))).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'name: must not contain control characters (U+0007 at 1)',
    });
    expect((await post('projects.create', '{"name":"tab\\tname"}')).message).toBe(
      'name: must not contain control characters (U+0009 at 3)',
    );
    expect((await post('eventTypes.create', '{"name":"order.paid","description":"red \\u001b[31m"}')).message).toBe(
      'description: must not contain control characters other than tab and newline (U+001B at 4)',
    );
    expect((await post('eventTypes.create', '{"name":"order.ok","description":"line one\\n\\tline two"}')).status).toBe(200);
  });

  it('refuses NUL in ids, filters, cursors and reasons that reach PostgreSQL', async () => {
    const api = h.caller(key);
    const rejections = await Promise.all([
      api.webhooks.get({ id: 'wh_\u0000' }).catch((e: Error) => e.message),
      api.events.get({ id: 'e\u0000' }).catch((e: Error) => e.message),
      api.events.list({ type: 'a\u0000' }).catch((e: Error) => e.message),
      api.deliveries.cancel({ id: 'delivery:x:y', reason: 'stop\u0000' }).catch((e: Error) => e.message),
      api.events
        .list({ cursor: Buffer.from(JSON.stringify([new Date().toISOString(), 'x\u0000'])).toString('base64url') })
        .catch((e: Error) => e.message),
    ]);
    expect(rejections).toEqual([
      'id: must not contain NUL (U+0000 at 3)',
      'id: must not contain NUL (U+0000 at 1)',
      'type: must not contain NUL (U+0000 at 1)',
      'reason: must not contain NUL (U+0000 at 4)',
      'cursor: is not a cursor returned by this API',
    ]);
  });

  it('refuses a request body that is not valid UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"type":"video.media.ready","data":{"s":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    const res = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('input: the request body must be valid UTF-8');
  });
});
