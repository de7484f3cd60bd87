import { sql } from 'kysely';
import path from 'node:path';
import { type BenchContext, setUpScenario } from './bench-context.js';
import { openLoad, publisher } from './load.js';
import { fileBytes, findServicePids, forceGc, rssMiB } from './proc-stats.js';
import { leastSquaresSlope, peakInWindow, round, sleep, summarize } from './stats.js';

/** One burst of `events` events to `webhooks` webhooks; deliveries/s from first publish to last arrival. */
export async function runFanOut(ctx: BenchContext, webhooks: number, events: number) {
  const type = await setUpScenario(ctx, `fan${webhooks}`, webhooks);
  await ctx.rx.take();
  const expected = events * webhooks;
  const t0 = Date.now();
  const send = publisher(ctx.h.publish, type, ctx.opts.payloadBytes);
  await Promise.all(Array.from({ length: events }, (_, i) => send(i, Date.now())));
  const published = Date.now();
  // 2 minutes, or 20 deliveries/s for big fan-outs (10,000 webhooks: ~8 minutes).
  const complete = await ctx.rx.waitFor(expected, Math.max(120_000, (expected / 20) * 1000));
  const arrivals = (await ctx.rx.take()).filter((a) => a.status === 200 && a.path.startsWith(`/fan${webhooks}/`));
  const last = arrivals.reduce((m, a) => Math.max(m, a.at), t0);
  const r = {
    webhooks,
    events,
    deliveries: arrivals.length,
    expected,
    complete,
    publishMs: published - t0,
    seconds: round((last - t0) / 1000, 2),
    deliveriesPerSecond: round(arrivals.length / Math.max(0.001, (last - t0) / 1000)),
  };
  ctx.say(`fan-out ${webhooks}: ${r.deliveries}/${expected} in ${r.seconds} s → ${r.deliveriesPerSecond}/s`);
  return r;
}

/**
 * api.video's policy (3 attempts, 3 s apart) against a receiver that fails the first two:
 * the gap between consecutive attempts of each delivery minus the scheduled 3,000 ms.
 */
export async function runRetryTiming(ctx: BenchContext) {
  const intervalMs = 3_000;
  const type = await setUpScenario(ctx, 'retry', 1, {
    retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: intervalMs / 1000, backoff: 'fixed' },
  });
  await ctx.rx.configure({ failFirst: 2 }, true);
  await ctx.rx.take();
  const n = ctx.opts.retryEvents;
  await openLoad({ rate: 10, seconds: n / 10, send: publisher(ctx.h.publish, type, 64) });
  await ctx.rx.waitFor(n * 3, 60_000, true);
  const byId = new Map<string, number[]>();
  for (const a of await ctx.rx.take()) if (a.path.startsWith('/retry/')) byId.set(a.id, [...(byId.get(a.id) ?? []), a.hr]);
  await ctx.rx.reset();
  const errors: number[] = [];
  for (const times of byId.values()) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) errors.push(times[i]! - times[i - 1]! - intervalMs);
  }
  const abs = summarize(errors.map(Math.abs));
  const r = { scheduledGapMs: intervalMs, gaps: errors.length, errorMs: summarize(errors), absErrorMs: abs };
  ctx.say(`retry timing: ${errors.length} gaps, error p50 ${r.errorMs.p50} ms, p99 ${r.errorMs.p99} ms`);
  return r;
}

/** A webhook limited to `limit`/s gets 10 s worth of events at once; the receiver's per-second view. */
export async function runRateLimit(ctx: BenchContext) {
  const limit = ctx.opts.rateLimit;
  const type = await setUpScenario(ctx, 'ratelimit', 1, { rateLimitPerSecond: limit });
  await ctx.rx.take();
  const events = limit * 10;
  await openLoad({ rate: events, seconds: 1, send: publisher(ctx.h.publish, type, 64) });
  await ctx.rx.waitFor(events, 60_000);
  const times = (await ctx.rx.take()).filter((a) => a.path.startsWith('/ratelimit/')).map((a) => a.hr);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  // Send start times as Herald recorded them (single-attempt successes: last attempt = only attempt).
  const sent = await ctx.h.db.selectFrom('deliveries').select('last_attempt_at').where('event_type', '=', type).execute();
  const sentTimes = sent.flatMap((d) => (d.last_attempt_at ? [d.last_attempt_at.getTime()] : []));
  const r = {
    limitPerSecond: limit,
    deliveries: times.length,
    peakInAny1s: peakInWindow(times, 1000),
    senderPeakInAny1s: peakInWindow(sentTimes, 1000),
    meanPerSecond: round((times.length - 1) / Math.max(0.001, span)),
  };
  ctx.say(
    `rate limit ${limit}/s: peak ${r.peakInAny1s} in any 1 s window at the receiver (${r.senderPeakInAny1s} by send start), mean ${r.meanPerSecond}/s over ${times.length} deliveries`,
  );
  return r;
}

/** A full GC in this process and, when the worker is its own process, in its main thread too. */
async function collect(ctx: BenchContext): Promise<void> {
  forceGc();
  ctx.h.workerGc();
  await sleep(1_000);
}

async function footprint(ctx: BenchContext) {
  await collect(ctx);
  const pids = findServicePids();
  const pgBytes = await sql<{ b: string }>`select pg_database_size(current_database())::text as b`.execute(ctx.h.db);
  return {
    workerRssMiB: rssMiB([ctx.h.workerPid]).rss,
    temporalAnonMiB: pids.temporal.length ? rssMiB(pids.temporal).anon : Number.NaN,
    postgresAnonMiB: pids.postgres.length ? rssMiB(pids.postgres).anon : Number.NaN,
    temporalDiskBytes: ctx.h.external.temporal
      ? Number.NaN
      : fileBytes(path.join(ctx.h.dataDir, 'temporal.sqlite')) + fileBytes(path.join(ctx.h.dataDir, 'temporal.sqlite-wal')),
    postgresDiskBytes: Number(pgBytes.rows[0]?.b ?? Number.NaN),
  };
}

/**
 * Parks `parked` deliveries on a 1 h retry timer (first attempt fails, next is an hour away) and
 * reports growth per parked delivery: worker RSS (its own process when run so), Temporal and Postgres
 * private memory, and their disk. Published at `rate`/s, in two stages: the first 10% warm
 * everything up (pools, JIT, the workflow cache, the server's heap) and are not counted; growth
 * is measured over the other 90%. Runs first, before the load phases inflate the heaps.
 */
export async function runParked(ctx: BenchContext, rate: number) {
  const parked = ctx.opts.parked;
  const type = await setUpScenario(ctx, 'parked', 1, {
    retryPolicy: { kind: 'attempts', maxAttempts: 2, intervalSeconds: 3600, backoff: 'fixed' },
  });
  await ctx.rx.configure({ failFirst: 1 }, true);
  await ctx.rx.take();
  const send = publisher(ctx.h.publish, type, ctx.opts.payloadBytes);
  const park = async (n: number) => {
    const load = await openLoad({ rate, seconds: n / rate, send, drainCapMs: 120_000 });
    const reached = await ctx.rx.waitFor(load.ok, 300_000, true);
    const seen = (await ctx.rx.take()).filter((a) => a.path.startsWith('/parked/')).length;
    await sleep(3_000); // let the last workflow tasks complete and park on their timers
    return { load, reached, seen };
  };
  const stage = Math.max(1, Math.round(parked / 10));
  const warm = await park(stage);
  const before = await footprint(ctx);
  const t0 = Date.now();
  // Nine more stages, the worker's RSS read after each: a leak grows with every stage, while
  // heap and allocator slack levels off.
  const series = [{ parked: warm.load.ok, workerRssMiB: round(before.workerRssMiB) }];
  const load = { ok: 0, errors: 0, dropped: 0 };
  let reached = true;
  let firstAttempts = 0;
  for (let done = warm.load.ok; done < parked; ) {
    const s = await park(Math.min(stage, parked - done));
    load.ok += s.load.ok;
    load.errors += s.load.errors;
    load.dropped += s.load.dropped;
    reached &&= s.reached;
    firstAttempts += s.seen;
    done += Math.max(1, s.load.ok);
    await collect(ctx);
    series.push({ parked: done, workerRssMiB: round(rssMiB([ctx.h.workerPid]).rss) });
  }
  const after = await footprint(ctx);
  const half = series.slice(Math.floor(series.length / 2));
  const slopeKiB = leastSquaresSlope(
    half.map((p) => p.parked),
    half.map((p) => p.workerRssMiB * 1024),
  );
  await ctx.rx.reset();
  const per = (k: keyof typeof before, scale: number) => round(((after[k] - before[k]) * scale) / Math.max(1, load.ok), 2);
  const r = {
    parked: warm.load.ok + load.ok,
    measured: load.ok,
    publishErrors: warm.load.errors + warm.load.dropped + load.errors + load.dropped,
    firstAttemptsSeen: firstAttempts,
    allParked: reached,
    seconds: round((Date.now() - t0) / 1000),
    before,
    after,
    workerRssGrowthMiB: round(after.workerRssMiB - before.workerRssMiB),
    /** Worker RSS after each stage, and its slope over the second half (KiB per parked delivery). */
    workerRssSeries: series,
    workerRssSlopeSecondHalfKiB: round(slopeKiB, 2),
    perParked: {
      workerRssKiB: per('workerRssMiB', 1024),
      temporalAnonKiB: per('temporalAnonMiB', 1024),
      postgresAnonKiB: per('postgresAnonMiB', 1024),
      temporalDiskKiB: per('temporalDiskBytes', 1 / 1024),
      postgresDiskKiB: per('postgresDiskBytes', 1 / 1024),
    },
  };
  ctx.say(
    `parked ${r.parked} (growth measured over the last ${r.measured}): worker RSS ${r.workerRssGrowthMiB} MiB (series ${series.map((p) => p.workerRssMiB).join(' → ')}; second-half slope ${r.workerRssSlopeSecondHalfKiB} KiB/parked); per parked: Temporal ${r.perParked.temporalAnonKiB} KiB mem / ${r.perParked.temporalDiskKiB} KiB disk, Postgres ${r.perParked.postgresAnonKiB} KiB mem / ${r.perParked.postgresDiskKiB} KiB disk`,
  );
  return r;
}
