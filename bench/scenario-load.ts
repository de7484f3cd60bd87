import { type BenchContext, type CpuSnapshot, cpuPer, cpuSnapshot, setUpScenario } from './bench-context.js';
import { type Send, closedLoop, openLoad, publisher, rawSender } from './load.js';
import type { Arrival } from './receiver-client.js';
import { type Summary, leastSquaresSlope, round, summarize } from './stats.js';

export interface StepResult {
  /** Offered events/s (deliveries/s = rate × fan-out). */
  rate: number;
  seconds: number;
  offeredDeliveries: number;
  delivered: number;
  /** 2xx arrivals per second over the load window plus drain. */
  deliveredPerSecond: number;
  publishErrors: number;
  /** Backlog growth over the second half of the load, deliveries/s (least squares; ~0 when flat). */
  backlogSlope: number;
  /** After the last scheduled publish, ms until the last expected delivery arrived. */
  drainMs: number;
  sustained: boolean;
  /** Publish call (HTTP API) time from its intended send time, ms. */
  publish: Summary;
  /** Intended publish time to arrival at the receiver, ms. */
  endToEnd: Summary;
  /** CPU ms per delivery by process group. */
  cpuPerDelivery: ReturnType<typeof cpuPer>;
}

/** Backlog growth per second from (t ms, y) samples; 0 with fewer than 3 samples. */
function slope(samples: { t: number; y: number }[]): number {
  if (samples.length < 3) return 0;
  const perMs = leastSquaresSlope(
    samples.map((p) => p.t),
    samples.map((p) => p.y),
  );
  return Number.isFinite(perMs) ? perMs * 1000 : 0;
}

/** End-to-end latencies (arrival − intended send, ms) of the first 2xx arrival per event on `pathPrefix`. */
function endToEnd(arrivals: Arrival[], pathPrefix: string): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const a of arrivals) {
    if (a.status !== 200 || !a.path.startsWith(pathPrefix) || Number.isNaN(a.sentAt)) continue;
    const key = `${a.path} ${a.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a.hr - a.sentAt);
  }
  return out;
}

/**
 * One open-model step: `rate` sends/s for `seconds`, sampling the backlog (deliveries the schedule
 * has offered minus 2xx arrivals) every 500 ms, then waiting up to 30 s for the rest to arrive.
 * Sustained means no failed sends, every delivery arrived, and a flat backlog (slope under 5% of
 * the offered deliveries/s) over the second half of the step. CPU is read with `snapshot`
 * (default: this process and its Temporal/PostgreSQL descendants).
 */
export async function step(
  ctx: Pick<BenchContext, 'rx'>,
  rate: number,
  seconds: number,
  send: Send,
  fanout: number,
  pathPrefix: string,
  cpuUnitsAreDeliveries = true,
  snapshot: () => CpuSnapshot = cpuSnapshot,
): Promise<StepResult> {
  const { rx } = ctx;
  await rx.take();
  const cpu0: CpuSnapshot = snapshot();
  const t0 = Date.now() + 20;
  const samples: { t: number; y: number }[] = [];
  const sampler = setInterval(() => {
    const t = Date.now();
    const offeredSoFar = Math.min(rate * seconds, Math.floor(((t - t0) * rate) / 1000)) * fanout;
    rx.count().then(
      (c) => samples.push({ t, y: offeredSoFar - c.successes }),
      () => undefined,
    );
  }, 500);
  const load = await openLoad({ rate, seconds, send, drainCapMs: 30_000 });
  clearInterval(sampler);
  const expected = load.ok * fanout;
  await rx.waitFor(expected, 30_000);
  const arrivals = await rx.take();
  const cpu1 = snapshot();
  const ok = arrivals.filter((a) => a.status === 200 && a.path.startsWith(pathPrefix));
  const last = ok.reduce((m, a) => Math.max(m, a.hr), load.start);
  const delivered = ok.length;
  const half = load.start + (seconds * 1000) / 2;
  const backlogSlope = round(slope(samples.filter((s) => s.t >= half && s.t <= load.end)));
  const failed = load.errors + load.dropped;
  return {
    rate,
    seconds,
    offeredDeliveries: load.offered * fanout,
    delivered,
    deliveredPerSecond: round(delivered / Math.max(0.001, (last - load.start) / 1000)),
    publishErrors: failed,
    backlogSlope,
    drainMs: round(Math.max(0, last - load.end)),
    sustained: failed === 0 && delivered >= load.offered * fanout && backlogSlope <= Math.max(1, 0.05 * rate * fanout),
    publish: load.callLatency,
    endToEnd: summarize(endToEnd(arrivals, pathPrefix)),
    cpuPerDelivery: cpuPer(cpu0, cpu1, cpuUnitsAreDeliveries ? delivered : load.ok),
  };
}

/** The raw ceiling: a plain undici closed loop on the benchmark's connection count, no Herald. */
export async function measureCeiling(ctx: BenchContext) {
  const raw = rawSender(ctx.rx.url, ctx.opts.connections, ctx.opts.payloadBytes);
  try {
    await closedLoop(ctx.opts.connections, 1, raw.send); // warm the connections
    const cpu0 = cpuSnapshot();
    const r = await closedLoop(ctx.opts.connections, ctx.opts.ceilingSeconds, raw.send);
    const cpu1 = cpuSnapshot();
    await ctx.rx.take();
    ctx.say(`raw ceiling: ${Math.round(r.perSecond)} req/s at ${r.concurrency} connections (p99 ${r.latency.p99} ms)`);
    return { ...r, perSecond: round(r.perSecond), cpuPerRequestMs: round((cpu1.herald - cpu0.herald) / Math.max(1, r.requests), 3) };
  } finally {
    await raw.close();
  }
}

/** The offered-rate ladder, stopping after the first rate that is not sustained. */
export async function runLadder(ctx: BenchContext) {
  const { opts } = ctx;
  if (opts.failRatio > 0) await ctx.rx.configure({ errorRatio: opts.failRatio, errorStatus: 500 }, true);
  const type = await setUpScenario(ctx, 'load', opts.fanout);
  const send = publisher(ctx.h.publish, type, opts.payloadBytes);
  await openLoad({ rate: 20, seconds: 2, send }); // warm-up: connections, workflow cache, JIT
  await ctx.rx.waitFor(40 * opts.fanout, 15_000);
  const steps: StepResult[] = [];
  for (const rate of opts.ladder) {
    const r = await step(ctx, rate, opts.durationSeconds, send, opts.fanout, '/load/');
    steps.push(r);
    ctx.say(
      `ladder ${rate}/s: ${r.delivered}/${r.offeredDeliveries} delivered, slope ${r.backlogSlope}/s, drain ${r.drainMs} ms, p99 ${r.endToEnd.p99} ms → ${r.sustained ? 'sustained' : 'NOT sustained'}`,
    );
    if (!r.sustained) break;
  }
  const best = steps.filter((s) => s.sustained).pop();
  return { type, steps, sustainedRate: best?.rate ?? 0, sustainedDeliveriesPerSecond: (best?.rate ?? 0) * opts.fanout };
}

/**
 * End-to-end latency at fixed rates (share of sustained, plus the 100/s target), Herald and the
 * raw undici sender at the same offered rate, one after the other.
 */
export async function runLatency(ctx: BenchContext, type: string, sustainedRate: number) {
  const { opts } = ctx;
  const shares = sustainedRate > 0 ? [0.25, 0.5, 0.8].map((f) => Math.max(1, Math.round(f * sustainedRate))) : [];
  const rates = [...new Set(shares.concat(100))].sort((a, b) => a - b);
  const send = publisher(ctx.h.publish, type, opts.payloadBytes);
  const raw = rawSender(ctx.rx.url, opts.connections, opts.payloadBytes);
  const rows = [];
  try {
    for (const rate of rates) {
      const herald = await step(ctx, rate, opts.durationSeconds, send, opts.fanout, '/load/');
      const baseline = await step(ctx, rate * opts.fanout, opts.durationSeconds, raw.send, 1, '/raw/', false);
      ctx.say(
        `latency ${rate}/s: herald p50 ${herald.endToEnd.p50} p99 ${herald.endToEnd.p99} ms; raw p50 ${baseline.endToEnd.p50} p99 ${baseline.endToEnd.p99} ms`,
      );
      rows.push({ rate, herald, raw: baseline });
    }
  } finally {
    await raw.close();
  }
  return rows;
}

/**
 * The API's share of the cost: events published at `rate`/s to a type no webhook subscribes to
 * (event stored, nothing started in Temporal). CPU ms per publish by process group.
 */
export async function runPublishOnly(ctx: BenchContext, rate: number) {
  const type = 'bench.nobody';
  await ctx.h.api.eventTypes.create.mutate({ name: type, description: 'no subscribers' });
  const cpu0 = cpuSnapshot();
  const load = await openLoad({ rate, seconds: ctx.opts.durationSeconds, send: publisher(ctx.h.publish, type, ctx.opts.payloadBytes) });
  const cpu1 = cpuSnapshot();
  const r = {
    rate,
    published: load.ok,
    errors: load.errors + load.dropped,
    publish: load.callLatency,
    cpuPerPublish: cpuPer(cpu0, cpu1, load.ok),
  };
  ctx.say(
    `publish only ${rate}/s: ${r.published} ok, p99 ${r.publish.p99} ms, CPU ms/publish Herald ${r.cpuPerPublish.herald} / Temporal ${r.cpuPerPublish.temporal} / Postgres ${r.cpuPerPublish.postgres}`,
  );
  return r;
}
