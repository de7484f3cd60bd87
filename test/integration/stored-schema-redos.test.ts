import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

/** Exponential backtracking on `aaaa…!`: 2^n steps for n a's. */
const REDOS = '^(a+)+$';

/**
 * Schemas stored before the ReDoS guard existed (written here with SQL, as an old Herald did)
 * were never checked. Publish must not run their patterns.
 */
describe('ReDoS guard on event-type schemas stored before it existed', () => {
  let h: Harness;
  let key: string;
  let teamId: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    ({ key, teamId } = await h.createTeam());
  });
  afterAll(async () => h?.close());

  const storeLegacy = (name: string, schema: unknown) =>
    h.db
      .insertInto('event_types')
      .values({ team_id: teamId, name, description: '', schema: JSON.stringify(schema) } as never)
      .execute();

  async function publish(body: unknown): Promise<{ status: number; message?: string }> {
    const res = await fetch(`${h.apiUrl}/trpc/events.publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { error?: { message: string } };
    return { status: res.status, message: json.error?.message };
  }

  it('refuses a publish to an event type whose stored schema has a catastrophic pattern, naming the type, the place and the fix, without running the pattern', async () => {
    await storeLegacy('user.legacy', { type: 'object', properties: { name: { type: 'string', pattern: REDOS } } });
    const t0 = Date.now();
    // 2^24 steps if the pattern ran: visible as a delay and, worse, as "must match pattern".
    const r = await publish({ type: 'user.legacy', data: { name: `${'a'.repeat(24)}!` } });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(
      /^type: event type "user\.legacy" has a stored schema refused by the ReDoS guard at schema\.properties\.name\.pattern: pattern may backtrack catastrophically .*fix it with eventTypes\.update/,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    // Refused every time (the verdict is remembered), and nothing was stored.
    expect((await publish({ type: 'user.legacy', data: { name: 'ok' } })).message).toMatch(
      /^type: event type "user\.legacy" has a stored schema refused/,
    );
    const { n } = await h.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('team_id', '=', teamId)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  });

  it('publishes again once the schema is fixed with eventTypes.update, and keeps enforcing safe stored schemas', async () => {
    const api = h.caller(key);
    await api.eventTypes.update({
      name: 'user.legacy',
      schema: { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z]{1,16}$' } } },
    });
    expect((await publish({ type: 'user.legacy', data: { name: 'abc' } })).status).toBe(200);
    expect((await publish({ type: 'user.legacy', data: { name: 'B' } })).message).toBe('data/name: must match pattern "^[a-z]{1,16}$"');

    await storeLegacy('order.legacy', { type: 'object', patternProperties: { '^x-[a-z]+$': { type: 'integer' } } });
    expect((await publish({ type: 'order.legacy', data: { 'x-count': 3 } })).status).toBe(200);
    expect((await publish({ type: 'order.legacy', data: { 'x-count': 'three' } })).message).toBe('data/x-count: must be integer');
  });
});
