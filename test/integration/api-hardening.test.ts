import net from 'node:net';
import fc from 'fast-check';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/api/app-router.js';
import { textViolation } from '../../src/api/text-rules.js';
import { createHarness, type Harness } from '../support/harness.js';

describe('per-key API rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    // The team limit is left unset: it defaults to the per-key limit.
    h = await createHarness({ worker: false, env: { HERALD_API_RATE_LIMIT_PER_MINUTE: '5', HERALD_MAX_API_KEYS_PER_TEAM: '3' } });
  });
  afterAll(async () => h?.close());

  it('answers TOO_MANY_REQUESTS with api.video-style rate-limit headers', async () => {
    const { key } = await h.createTeam();
    const call = () => fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { 'x-api-key': key } });
    const first = await call();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
    for (let i = 0; i < 4; i++) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-ratelimit-retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(await limited.json())).toContain('TOO_MANY_REQUESTS');
    const other = await h.createTeam();
    expect((await fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { 'x-api-key': other.key } })).status).toBe(200);
  });

  it('limits the team as well as the key: a second key of a limited team is refused too, another team is not', async () => {
    const { key } = await h.createTeam();
    const second = await h.caller(key).apiKeys.create({ name: 'second' });
    const list = (k: string) => fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { 'x-api-key': k } });
    for (let i = 0; i < 4; i++) expect((await list(key)).status).toBe(200);
    const refused = await list(second.key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /^rate limit of 5 requests per minute for all keys of this team exceeded; retry in \d+ s$/,
    );
    expect((await list((await h.createTeam()).key)).status).toBe(200);
  });

  it('caps the unrevoked keys of a team (HERALD_MAX_API_KEYS_PER_TEAM), counting revoked ones out', async () => {
    const { key } = await h.createTeam();
    const api = h.caller(key);
    await api.apiKeys.create({ name: 'two' });
    const three = await api.apiKeys.create({ name: 'three' });
    await expect(api.apiKeys.create({ name: 'four' })).rejects.toThrow(
      'API key limit reached: a team can have at most 3 unrevoked API keys; revoke one first',
    );
    await api.apiKeys.revoke({ id: three.id });
    expect((await api.apiKeys.create({ name: 'four' })).name).toBe('four');
  });

  it('charges every call of a batch to the key: 3 calls leave 2, a batch of 3 more is refused whole', async () => {
    const { key } = await h.createTeam();
    const batch = (n: number) =>
      fetch(`${h.apiUrl}/trpc/${Array(n).fill('webhooks.list').join(',')}?batch=1&input=${encodeURIComponent('{}')}`, {
        headers: { 'x-api-key': key },
      });
    const first = await batch(3);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    const refused = await batch(3);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { data: { code: string } } }[]).map((c) => c.error.data.code)).toEqual([
      'TOO_MANY_REQUESTS',
      'TOO_MANY_REQUESTS',
      'TOO_MANY_REQUESTS',
    ]);
    expect((await batch(2)).status).toBe(200);
  });
});

/** `{ a: { a: … 1 } }`, n levels deep, built without recursion. */
function deepObject(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

const FOUR_XX = new Set([
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_REQUESTS',
  'UNPROCESSABLE_CONTENT',
  'METHOD_NOT_SUPPORTED',
  'PARSE_ERROR',
]);

/** Code units and characters that broke the API before (issue 15), mixed with ordinary text. */
const hostileUnit = fc.oneof(
  fc.constantFrom(
    '\u0000',
    '\u0001',
    '\u0007',
    '\b',
    '\t',
    '\n',
    '\r',
    '\u001b',
    '\u001f',
    '\u007f',
    '\u0085',
    '\u009f',
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff',
    '\ufeff',
    '\u202e',
  ),
  fc.constantFrom('😀', '\u{10ffff}', '𝕏', '\u{1f468}\u200d\u{1f469}'),
  fc.string({ unit: 'binary', maxLength: 1 }),
  fc.string({ unit: 'grapheme', maxLength: 2 }),
);
const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.tuple(hostileUnit, fc.integer({ min: 1_000, max: 100_000 })).map(([u, n]) => 'x'.repeat(n) + u) },
);
const hostileValue = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.anything({
      maxDepth: 4,
      key: hostileString,
      values: [hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)],
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(deepObject(200), deepObject(100_000), JSON.parse('['.repeat(5000) + ']'.repeat(5000))) },
);
/** Inputs shaped like the procedures' own (so they get past the first check), with hostile values. */
const hostileInput = fc.oneof(
  hostileValue,
  fc.record(
    {
      id: fc.oneof(hostileString, fc.constant('wh_00000000000000000000')),
      name: fc.oneof(hostileString, fc.constant('order.paid')),
      description: hostileString,
      url: fc.oneof(hostileString, fc.webUrl()),
      eventTypes: fc.array(hostileString, { maxLength: 3 }),
      type: fc.oneof(hostileString, fc.constant('video.media.ready')),
      data: hostileValue,
      schema: hostileValue,
      projectId: hostileString,
      webhookId: hostileString,
      eventId: hostileString,
      reason: hostileString,
      cursor: hostileString,
      since: hostileString,
      headers: fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
  fc.constant({ id: 'wh_00000000000000000000', headers: { ['a'.repeat(10)]: '\u0000\r\n' } }),
);

/** JSON text of `v`; a value too deep for JSON.stringify (it recurses) becomes an equally deep text. */
function stringifyOrDeep(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return `{"data":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
  }
}

/** A body that prints as its size and first bytes when fast-check reports a counterexample. */
const short = (b: Buffer) =>
  Object.assign(b, { [fc.toStringMethod]: () => `Buffer(${b.length}) ${JSON.stringify(b.subarray(0, 160).toString('utf8'))}` });

describe('hostile input never gets a 500 and never changes stored data', () => {
  let h: Harness;
  let key: string;
  let teamId: string;
  let seeded: Record<string, string>;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000', HERALD_MAX_ACTIVE_WEBHOOKS: '1000' } });
    ({ key, teamId } = await h.createTeam());
    const api = h.caller(key);
    await api.eventTypes.create({ name: 'video.media.ready', description: 'kept\tas\nis', schema: { type: 'object' } });
    const project = await api.projects.create({ name: 'keep 😀' });
    const apiKey = await api.apiKeys.create({ name: 'keep' });
    const webhook = await api.webhooks.create({
      name: 'keep',
      url: 'http://127.0.0.1:9/keep',
      eventTypes: ['video.media.ready'],
      active: false,
    });
    const event = await api.events.publish({ type: 'video.media.ready', id: 'evt-keep', data: { n: 1 } });
    seeded = { project: project.id, apiKey: apiKey.id, webhook: webhook.id, event: event.id };
  });
  afterAll(async () => h?.close());

  /** Every row the seed stored, without the bookkeeping Herald updates by design (a key's last_used_at, an event's dispatched_at, marked in batches). */
  const snapshot = async () =>
    JSON.stringify([
      await h.db.selectFrom('webhooks').selectAll().where('id', '=', seeded.webhook!).execute(),
      await h.db.selectFrom('projects').selectAll().where('id', '=', seeded.project!).execute(),
      await h.db
        .selectFrom('api_keys')
        .select(['id', 'name', 'prefix', 'key_hash', 'revoked_at', 'created_at'])
        .where('team_id', '=', teamId)
        .orderBy('created_at')
        .limit(2)
        .execute(),
      await h.db.selectFrom('event_types').selectAll().where('team_id', '=', teamId).where('name', '=', 'video.media.ready').execute(),
      await h.db
        .selectFrom('events')
        .select(['id', 'type', 'project_id', 'data', 'data_raw', 'created_at'])
        .where('team_id', '=', teamId)
        .where('id', '=', seeded.event!)
        .execute(),
    ]);

  /** Whatever the fuzz managed to store obeys the text rule: names without control characters, free text without others than tab and newline. */
  async function expectStoredTextClean() {
    const names = [
      ...(await h.db.selectFrom('webhooks').select(['name', 'url']).where('team_id', '=', teamId).execute()).flatMap((w) => [
        w.name,
        w.url,
      ]),
      ...(await h.db.selectFrom('projects').select('name').where('team_id', '=', teamId).execute()).map((p) => p.name),
      ...(await h.db.selectFrom('api_keys').select('name').where('team_id', '=', teamId).execute()).map((k) => k.name),
    ];
    for (const n of names) expect(textViolation(n, 'name'), JSON.stringify(n)).toBeNull();
    const descriptions = (await h.db.selectFrom('event_types').select('description').where('team_id', '=', teamId).execute()).map(
      (t) => t.description,
    );
    for (const d of descriptions) expect(textViolation(d, 'free'), JSON.stringify(d)).toBeNull();
  }

  const procedures = () =>
    Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>).map(([path, p]) => ({
      path,
      router: path.split('.')[0]!,
      name: path.split('.')[1]!,
      type: p._def.type,
    }));

  it('every procedure answers random and adversarial input with a 4xx and a message (in-process)', async () => {
    const before = await snapshot();
    expect(before).toContain(seeded.webhook);
    const api = h.caller(key) as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
    const all = procedures();
    expect(all.length).toBeGreaterThan(25);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), hostileInput, async ({ router: r, name: p, path }, input) => {
        try {
          await api[r]![p]!(input);
        } catch (err) {
          expect(err).toBeInstanceOf(TRPCError);
          const e = err as TRPCError;
          expect(FOUR_XX.has(e.code), `${path} answered ${e.code}: ${e.message}`).toBe(true);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 600 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot()).toBe(before);
    await expectStoredTextClean();
  });

  it('every procedure answers hostile JSON text and bytes over HTTP below 500', async () => {
    const before = await snapshot();
    const hostileBody = fc.oneof(
      { weight: 6, arbitrary: hostileInput.map((v) => Buffer.from(stringifyOrDeep(v))) },
      // Escapes written by hand: NUL, lone surrogates, duplicate keys, big numbers, deep nesting.
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(
            '{"name":"a\\u0000b"}',
            '{"type":"video.media.ready","data":{"s":"\\ud800"}}',
            '{"type":"video.media.ready","data":{"a":1,"a":2}}',
            '{"type":"video.media.ready","data":{"n":1e400,"m":-0}}',
            `{"type":"video.media.ready","data":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
          )
          .map((t) => Buffer.from(t)),
      },
      {
        weight: 2,
        arbitrary: fc
          .uint8Array({ maxLength: 64 })
          .map((b) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from(b), Buffer.from('"}')])),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...procedures()), hostileBody.map(short), async ({ path, type }, body) => {
        const headers = { 'content-type': 'application/json', 'x-api-key': key };
        const res =
          type === 'query'
            ? await fetch(`${h.apiUrl}/trpc/${path}?input=${encodeURIComponent(body.toString('utf8'))}`, { headers })
            : await fetch(`${h.apiUrl}/trpc/${path}`, { method: 'POST', headers, body });
        const text = await res.text();
        expect(res.status, `${path} answered ${res.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
        // Node itself answers an over-long URL with a bare 431; everything else is tRPC's JSON.
        if (res.status >= 400 && res.status !== 431)
          expect((JSON.parse(text) as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    expect(await snapshot()).toBe(before);
    await expectStoredTextClean();
  });

  it('serves other clients while slow-loris connections trickle their headers', async () => {
    const { port } = new URL(h.apiUrl);
    const sockets = Array.from({ length: 30 }, () => net.connect(Number(port), '127.0.0.1'));
    for (const s of sockets) {
      s.on('error', () => undefined);
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    }
    const t0 = Date.now();
    const res = await fetch(`${h.apiUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2_000);
    for (const s of sockets) s.destroy();
  });

  it('answers malformed HTTP with 4xx: bad JSON, wrong content type, unknown route', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${h.apiUrl}/trpc/webhooks.create`, { method: 'POST', headers: { 'content-type': type, 'x-api-key': key }, body });
    expect((await post('{"name":')).status).toBe(400);
    expect((await post('name=x', 'application/x-www-form-urlencoded')).status).toBeGreaterThanOrEqual(400);
    expect((await post('name=x', 'application/x-www-form-urlencoded')).status).toBeLessThan(500);
    expect((await fetch(`${h.apiUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${h.apiUrl}/trpc/nope.nope`, { headers: { 'x-api-key': key } })).status).toBe(404);
  });
});
