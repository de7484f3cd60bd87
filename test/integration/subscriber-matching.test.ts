import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribesToKnownTypeSql } from '../../src/delivery/subscribers.js';
import { sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';

type Team = Awaited<ReturnType<typeof teamWithType>>;

// One subscription rule on every corridor from an event to its deliveries (delivery/subscribers.ts):
// `*` all, `prefix.*` every type starting with `prefix.`, else the exact name, for any number of segments.
describe('subscriber matching on every corridor', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
  });

  async function receiver(status = 200) {
    const r = await startReceiver(() => ({ status }));
    receivers.push(r);
    return r;
  }

  /** A team with `a.b.c` (and `a.c.d`, for a pattern that must not match) in its catalog. */
  async function threeSegmentTeam(maxActiveWebhooks?: number): Promise<Team> {
    const t = await teamWithType(h, 'a.b.c', { maxActiveWebhooks });
    await t.api.eventTypes.create.mutate({ name: 'a.c.d', description: '' });
    return t;
  }

  /** One webhook per pattern, the i-th at path `/hook/<i>` of `rx`. */
  async function subscribe(t: Team, rx: Receiver, patterns: string[]) {
    for (const [i, p] of patterns.entries()) await t.api.webhooks.create.mutate({ name: `w${i}`, url: `${rx.url}/${i}`, eventTypes: [p] });
  }

  const pathsOf = (rx: Receiver) => rx.arrivals.map((a) => a.path).sort();

  it('a publish of a.b.c with a direct fan-out reaches a.*, a.b.*, * and a.b.c subscribers, and not a.c.*', async () => {
    const t = await threeSegmentTeam();
    const rx = await receiver();
    await subscribe(t, rx, ['a.*', 'a.b.*', '*', 'a.b.c', 'a.c.*']);
    const e = await t.api.events.publish.mutate({ type: 'a.b.c', data: { corridor: 'publish' } });
    await waitFor(() => rx.arrivals.length >= 4, 20_000, 'four arrivals');
    await waitFor(
      async () => (await h.db.selectFrom('events').select('dispatched_at').where('id', '=', e.id).executeTakeFirst())?.dispatched_at,
      5_000,
      'dispatched mark',
    );
    expect(pathsOf(rx)).toEqual(['/hook/0', '/hook/1', '/hook/2', '/hook/3']);
    const rows = await h.db.selectFrom('deliveries').select('webhook_id').where('event_id', '=', e.id).execute();
    expect(rows).toHaveLength(4);
  });

  it('a publish of a.b.c with more subscribers than a direct fan-out goes through the dispatch workflow to every a.* and a.b.* subscriber', async () => {
    const t = await threeSegmentTeam(20);
    const rx = await receiver();
    const patterns = Array.from({ length: 12 }, (_, i) => (i % 2 ? 'a.b.*' : 'a.*'));
    await subscribe(t, rx, [...patterns, 'a.c.*']);
    const e = await t.api.events.publish.mutate({ type: 'a.b.c', data: { corridor: 'dispatch' } });
    await waitFor(() => rx.arrivals.length >= 12, 30_000, 'twelve arrivals');
    const dispatch = await h.temporal.workflow.getHandle(`dispatch:${t.teamId}:${e.id}`).describe();
    expect(dispatch.type).toBe('dispatchWorkflowV2');
    expect(rx.arrivals.some((a) => a.path === '/hook/12')).toBe(false);
    expect(new Set(pathsOf(rx)).size).toBe(12);
  });

  it('an undispatched a.b.c event is dispatched by the sweep to its a.* and a.b.* subscribers', async () => {
    const t = await threeSegmentTeam();
    const rx = await receiver();
    await subscribe(t, rx, ['a.*', 'a.b.*', 'a.c.*']);
    const eventId = 'evt_sweep_three_segments';
    await h.db
      .insertInto('events')
      .values({
        team_id: t.teamId,
        id: eventId,
        type: 'a.b.c',
        project_id: null,
        data_raw: '{}',
        created_at: new Date(Date.now() - 120_000),
        dispatched_at: null,
      })
      .execute();
    expect(await sweepUndispatched({ db: h.db, temporal: h.temporal, config: h.config }, 60_000)).toMatchObject({ failed: [] });
    await waitFor(() => rx.arrivals.length >= 2, 20_000, 'two arrivals');
    expect(pathsOf(rx)).toEqual(['/hook/0', '/hook/1']);
  });

  it('an operational event reaches its family and catch-all subscribers, never the webhook it is about', async () => {
    const t = await teamWithType(h, 'x.y.z');
    const ops = await receiver();
    const failing = await receiver(502);
    await t.api.webhooks.create.mutate({ name: 'family', url: `${ops.url}/family`, eventTypes: ['delivery.*'] });
    await t.api.webhooks.create.mutate({ name: 'all', url: `${ops.url}/all`, eventTypes: ['*'] });
    await t.api.webhooks.create.mutate({ name: 'other', url: `${ops.url}/other`, eventTypes: ['webhook.*'] });
    await t.api.webhooks.create.mutate({
      name: 'bad',
      url: failing.url,
      eventTypes: ['*'],
      retryPolicy: { kind: 'attempts', maxAttempts: 1, intervalSeconds: 1, backoff: 'fixed' },
    });
    await t.api.events.publish.mutate({ type: 'x.y.z', data: {} });
    const exhausted = (path: string) => ops.arrivals.some((a) => a.path === path && JSON.parse(a.body).type === 'delivery.exhausted');
    await waitFor(() => exhausted('/hook/family') && exhausted('/hook/all'), 30_000, 'delivery.exhausted at family and catch-all');
    expect(ops.arrivals.some((a) => a.path === '/hook/other' && JSON.parse(a.body).type === 'delivery.exhausted')).toBe(false);
    expect(failing.arrivals.map((a) => JSON.parse(a.body).type)).toEqual(['x.y.z']);
  });

  it("the operational events' SQL rule matches a three-segment type by a.* and a.b.*, as publish does", async () => {
    const cases: [string[], boolean][] = [
      [['a.*'], true],
      [['a.b.*'], true],
      [['*'], true],
      [['a.b.c'], true],
      [['a.c.*'], false],
      [['a.b'], false],
      [['a.b.c.*'], false],
    ];
    for (const [patterns, expected] of cases) {
      const { rows } = await sql<{ m: boolean }>`select ${subscribesToKnownTypeSql('p', sql`t.type`, ['a.b.c', 'x.y'])} as m
        from (select ${patterns}::text[] as p, 'a.b.c'::text as type) t`.execute(h.db);
      expect([patterns, rows[0]!.m]).toEqual([patterns, expected]);
    }
  });
});
