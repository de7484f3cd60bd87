import { TRPCClientError } from '@trpc/client';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../src/api/client.js';
import type { Herald } from '../../src/app/create-herald.js';
import { createDb } from '../../src/db/create-db.js';
import type { Database } from '../../src/db/database.js';
import { createHarness, type Harness, startHerald } from '../support/harness.js';
import { teamWithType } from '../support/scenario.js';

/**
 * One team with 600,000 deliveries (and 100,000 events) next to a small team, on an API whose
 * statement bound is lowered (production default: 5,000 ms) to a third of what a read that
 * walks the big team's rows takes unbounded, measured here (so the cut is real on an idle box and
 * on a loaded one alike), at least 8 ms; default pool (10) and read lanes (4 per team). A million
 * rows took 70–95 s to insert on a loaded box, so fewer rows and a lower bound show the effect.
 */
let BOUND_MS = 0;
const DELIVERIES = 600_000;
const EVENTS = 100_000;
const POOL = 10;
const READ_LANES = 4;
/**
 * The big team's concurrent slow reads: sixteen times the pool, so they outlast the small team's
 * answer on a loaded box (with 4× all 40 once settled in 0.9 s, before a 0.75 s answer; with 8×
 * all 80 in 1.3 s, before a 1.19 s answer, in a CI run on 2026-12-04; why the small team's three
 * reads took that long there is not yet found).
 */
const SLOW_READS = 16 * POOL;
/** Deliveries of the big team's one real webhook, the oldest of its rows. */
const HOOK_ROWS = 1_000;

function isBoundCut(err: unknown): boolean {
  return err instanceof TRPCClientError && (err as Error).message.includes(`time bound (${BOUND_MS} ms)`);
}

function expectBoundCut(err: unknown) {
  expect(err).toBeInstanceOf(TRPCClientError);
  expect((err as TRPCClientError<never>).data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
  expect((err as Error).message).toContain(`time bound (${BOUND_MS} ms)`);
}

async function plan(db: Kysely<Database>, query: ReturnType<typeof sql>): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(db);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('database time bounds under a tenant with many deliveries', () => {
  let h: Harness;
  let bounded: Herald;
  let unbounded = 0;
  /** Unbounded, for filling and measuring (the API's own pool has the bound). */
  let admin: Kysely<Database>;
  let big: Awaited<ReturnType<typeof teamWithType>>;
  let small: Awaited<ReturnType<typeof teamWithType>>;
  let bigHook: string;
  let smallHook: string;

  beforeAll(async () => {
    h = await createHarness({
      worker: false,
      env: {
        HERALD_DB_POOL_SIZE: String(POOL),
        HERALD_TEAM_READ_CONCURRENCY: String(READ_LANES),
      },
    });
    // One core per scan on a shared 2-core box (no parallel workers); new connections take it.
    await sql.raw(`alter database "${h.config.databaseUrl!.split('/').pop()}" set max_parallel_workers_per_gather = 0`).execute(h.db);
    admin = createDb(h.config.databaseUrl!, { max: 2 });
    big = await teamWithType(h, 'big.thing');
    small = await teamWithType(h, 'small.thing');
    const hook = { url: 'http://127.0.0.1:9/hook', name: 'w' };
    bigHook = (await big.api.webhooks.create.mutate({ ...hook, eventTypes: [big.type] })).id;
    smallHook = (await small.api.webhooks.create.mutate({ ...hook, eventTypes: [small.type] })).id;
    const t0 = Date.now();
    // Keys rise with g (ids, times), so every index is appended to at its right edge. The first
    // HOOK_ROWS belong to the big team's real webhook; the rest spread over a webhook id each.
    await sql`
      insert into deliveries (id, team_id, event_id, webhook_id, event_type, status, attempts, last_status_code, last_attempt_at, created_at, updated_at)
      select 'delivery:fill-' || lpad(g::text, 7, '0'), ${big.teamId}, 'evt_fill_' || lpad(g::text, 7, '0'),
             case when g <= ${HOOK_ROWS} then ${bigHook} else 'wh_fill_' || lpad(g::text, 7, '0') end,
             ${big.type}, 'succeeded', 1, 200, at, at, at
      from generate_series(1, ${DELIVERIES}) g, lateral (select now() - make_interval(secs => ${DELIVERIES} - g) as at) t
    `.execute(admin);
    await sql`
      insert into events (team_id, id, type, data, created_at, dispatched_at)
      select ${big.teamId}, 'evt_fill_' || lpad(g::text, 7, '0'), 'big.other', '{}'::jsonb, now() - make_interval(secs => ${EVENTS} - g), now()
      from generate_series(1, ${EVENTS}) g
    `.execute(admin);
    await sql`analyze deliveries`.execute(admin);
    await sql`analyze events`.execute(admin);
    // Reported so the numbers in docs/production.md can be checked on another box.
    console.info(`filled ${DELIVERIES} deliveries and ${EVENTS} events in ${Date.now() - t0} ms`);
    await small.api.events.publish.mutate({ type: small.type, data: { n: 1 } });
    // The unbounded scan (best of two), then an API of its own with the bound.
    unbounded = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const u0 = Date.now();
      await admin
        .selectFrom('deliveries')
        .selectAll()
        .where('team_id', '=', big.teamId)
        .where('status', '=', 'cancelled')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(26)
        .execute();
      unbounded = Math.min(unbounded, Date.now() - u0);
    }
    // At least 8 ms: the bounded API's own small statements (keys, lookups) must still fit.
    BOUND_MS = Math.max(8, Math.round(unbounded / 3));
    console.info(`unbounded scan of the big team's deliveries: ${unbounded} ms; bound ${BOUND_MS} ms`);
    bounded = await startHerald({ ...h.config, db: { ...h.config.db, statementTimeoutMs: BOUND_MS } }, { api: true }, { migrate: false });
    big.api = createHeraldClient({ url: bounded.handles.apiUrl!, apiKey: big.key });
    small.api = createHeraldClient({ url: bounded.handles.apiUrl!, apiKey: small.key });
  }, 300_000);
  afterAll(async () => {
    await admin?.destroy();
    await bounded?.stop();
    await h?.close();
  });

  it('serves webhooks.get, events.list by type and deliveries.list by webhook from indexes, inside the bound', async () => {
    const latest = await plan(
      admin,
      sql`select id from deliveries where webhook_id = ${bigHook} and last_attempt_at is not null order by last_attempt_at desc limit 1`,
    );
    expect(latest).toContain('deliveries_webhook_last_attempt_idx');
    const byType = await plan(
      admin,
      sql`select * from events where team_id = ${big.teamId} and type = ${big.type} order by created_at desc, id desc limit 26`,
    );
    expect(byType).toContain('events_team_type_created_idx');
    const byHook = await plan(
      admin,
      sql`select * from deliveries where team_id = ${big.teamId} and webhook_id = 'wh_other' order by created_at desc, id desc limit 26`,
    );
    expect(byHook).toContain('deliveries_team_webhook_created_idx');

    // Through the API, whose statements are cut at BOUND_MS: each answers.
    const got = await big.api.webhooks.get.query({ id: bigHook });
    expect(got.latestRun?.deliveryId).toBe(`delivery:fill-${String(HOOK_ROWS).padStart(7, '0')}`);
    expect((await big.api.events.list.query({ type: big.type })).data).toEqual([]);
    const page = await big.api.deliveries.list.query({ webhookId: bigHook, pageSize: 5 });
    const newest = Array.from({ length: 5 }, (_, i) => `delivery:fill-${String(HOOK_ROWS - i).padStart(7, '0')}`);
    expect(page.data.map((d) => d.id)).toEqual(newest);
  });

  it("cuts off a read that walks all the big team's deliveries at the bound, answering 503 that names it", async () => {
    // The same read without a bound takes three times the bound (measured in beforeAll).
    expect(unbounded).toBeGreaterThanOrEqual(2 * BOUND_MS);
    // PostgreSQL cancelled it (57014) at the bound: the 503 says so.
    const err = await big.api.deliveries.list.query({ status: 'cancelled' }).catch((e: unknown) => e);
    expectBoundCut(err);
  });

  it("holds at most the team's read lanes of the pool with slow reads, and answers another team meanwhile", async () => {
    const started = Date.now();
    let settled = 0;
    const slow = Array.from({ length: SLOW_READS }, () =>
      big.api.deliveries.list
        .query({ status: 'cancelled' })
        .then(
          () => ({ ok: true as const }),
          (err: unknown) => ({ ok: false as const, err }),
        )
        .finally(() => settled++),
    );
    // Samples the big team's statements running in PostgreSQL until they are all settled.
    let maxActive = 0;
    const activeSlow = async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state = 'active' and query not like '%pg_stat_activity%'
          and query ilike '%from "deliveries" where "team_id" = $1 and "status" = $2%'
      `.execute(admin);
      maxActive = Math.max(maxActive, rows[0]!.n);
      return rows[0]!.n;
    };
    let sampling: Promise<void> = Promise.resolve();
    let stopSampling = false;
    try {
      sampling = (async () => {
        while (settled < SLOW_READS && !stopSampling) {
          await activeSlow();
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      while ((await activeSlow()) === 0 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 5));

      // The bound here is tiny (production: 5,000 ms), so on a loaded box one of the small team's
      // own statements, sharing two cores with four scans, may itself run past it. Such a cut
      // means it had a connection and ran (what this test is about), so it is tried again, a
      // few times at most; any other failure (a pool wait above all) fails the test.
      let smallCuts = 0;
      const smallRead = async <T>(read: () => Promise<T>): Promise<T> => {
        for (let tries = 1; ; tries++) {
          try {
            return await read();
          } catch (err) {
            if (tries >= 5 || !isBoundCut(err)) throw err;
            smallCuts++;
          }
        }
      };
      const s0 = Date.now();
      const [hook, events, deliveries] = await Promise.all([
        smallRead(() => small.api.webhooks.get.query({ id: smallHook })),
        smallRead(() => small.api.events.list.query({})),
        smallRead(() => small.api.deliveries.list.query({})),
      ]);
      const smallMs = Date.now() - s0;
      const settledBeforeSmall = settled;
      expect(hook.id).toBe(smallHook);
      expect(events.data).toHaveLength(1);
      expect(deliveries.data.map((d) => d.webhookId)).toEqual([smallHook]);
      const results = await Promise.all(slow);
      await sampling;
      console.info(
        `small team answered in ${smallMs} ms (${smallCuts} of its statements cut and tried again) with ` +
          `${settledBeforeSmall}/${SLOW_READS} slow reads settled; ` +
          `at most ${maxActive} slow statements ran at once; all settled in ${Date.now() - started} ms`,
      );
      // Never more of the pool than the lanes; the small team did not queue behind the big one.
      expect(maxActive).toBeGreaterThan(0);
      expect(maxActive).toBeLessThanOrEqual(READ_LANES);
      expect(settledBeforeSmall).toBeLessThan(SLOW_READS);
      // An exhausted pool would have refused them after its 5 s acquire timeout.
      expect(smallMs).toBeLessThan(5_000);
      // Each slow read was cut at the bound (a scan that happened to finish inside it may answer);
      // none failed any other way, e.g. waiting for a connection.
      for (const r of results) if (!r.ok) expectBoundCut(r.err);
      expect(results.filter((r) => !r.ok).length).toBeGreaterThanOrEqual(SLOW_READS / 2);
    } finally {
      // Nothing of this test may outlive it (afterAll closes the pool the sampler reads with).
      stopSampling = true;
      await sampling;
      await Promise.allSettled(slow);
    }
  });
});
