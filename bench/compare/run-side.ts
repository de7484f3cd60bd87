import { createHeraldClient } from '../../src/api/client.js';
import { type CpuSnapshot, cpuPer } from '../bench-context.js';
import { httpPublisher, openLoad, publisher } from '../load.js';
import type { ReceiverProcess } from '../receiver-client.js';
import { type StepResult, step } from '../scenario-load.js';
import { sleep } from '../stats.js';
import type { CompareOptions } from './compare-options.js';
import type { SpawnedHerald } from './spawn-herald.js';
import { stackCpuSnapshot } from './stack-cpu.js';

const EVENT_TYPE = 'bench.load';
/** An event type with no subscriber: the publish-only phase's. */
const NOBODY_TYPE = 'bench.nobody';
const PATH_PREFIX = '/load/';
/** The receiver path of the side's one webhook (the floor POSTs there too). */
export const LOAD_TARGET_PATH = `${PATH_PREFIX}0`;
/** Bytes of each event's `data` JSON, as in `npm run bench`. */
const PAYLOAD_BYTES = 256;
/**
 * Pause between the warm-up's last arrival and the idle phase, ms: long enough for what a burst
 * leaves behind (V8's memory reducer and concurrent compiles, Postgres' autovacuum of the rows
 * just written) to finish, so that idle means a stack with nothing to do.
 */
const SETTLE_MS = 30_000;

type CpuSplit = ReturnType<typeof cpuPer>;

/** One side's figures in one round: numbers only, so rounds can be reduced to medians. */
export type SideFigures = {
  startupSeconds: number;
  /** Nothing offered: CPU ms per second, whole stack (`total`), per process and per Herald thread. */
  idleCpuMsPerSecond: CpuSplit;
  /** At `latencyRate` events/s: end-to-end (intended send → arrival) and publish-call ms. */
  latency: { rate: number; p50: number; p95: number; p99: number; publishP99: number };
  /** The latency phase's CPU ms per delivery (at `latencyRate`), whole stack, per process and thread. */
  latencyCpuPerDelivery: CpuSplit & { rate: number };
  /** At `cpuRate` events/s: CPU ms per delivery, whole stack, per process and per Herald thread. */
  cpuPerDelivery: CpuSplit & { rate: number };
  /** Highest ladder rate sustained (1 webhook, so events/s = deliveries/s); 0 if none was. */
  sustainedDeliveriesPerSecond: number;
  /**
   * At `cpuRate` events/s of a type nobody subscribes to: CPU ms per accepted publish, per process
   * (issue 23's publish-path target). Absent for a side without Herald's API (the floor).
   */
  publishOnlyCpuPerPublish?: CpuSplit & { rate: number };
};

/** Everything measured, for the JSON: the figures and the steps they came from. */
export interface SideRun {
  figures: SideFigures;
  raw: {
    warmup: { offered: number; ok: number; errors: number };
    latency: StepResult;
    cpu: StepResult;
    ladder: StepResult[];
    firstPublishError: string | null;
  };
}

/** The options the phases read (a compare's, an observability compare's or a floor run's). */
export type PhaseOptions = Pick<
  CompareOptions,
  'durationSeconds' | 'warmupSeconds' | 'warmupRate' | 'idleSeconds' | 'latencyRate' | 'cpuRate' | 'ladder'
>;

/**
 * The phases on one running Herald, in order: set-up through its API (event type `bench.load`,
 * one webhook to `<receiver>/load/0`), warm-up (then 30 s to settle), idle, latency, CPU per
 * delivery, ladder. The load
 * generator runs in this process; CPU is read from /proc for Herald's pid and its descendants.
 * `apiSetUp: false` skips the set-up, for a side that has no Herald API and already POSTs every
 * publish to `<receiver>/load/0` (the floor, bench/floor/).
 */
export async function runSide(
  h: SpawnedHerald,
  rx: ReceiverProcess,
  opts: PhaseOptions,
  say: (line: string) => void,
  { apiSetUp = true }: { apiSetUp?: boolean } = {},
): Promise<SideRun> {
  if (apiSetUp) {
    const api = createHeraldClient({ url: h.apiUrl, apiKey: h.apiKey });
    await api.eventTypes.create.mutate({ name: EVENT_TYPE, description: 'bench --compare load' });
    await api.eventTypes.create.mutate({ name: NOBODY_TYPE, description: 'bench --compare publish only: no subscriber' });
    await api.webhooks.create.mutate({
      name: 'load-0',
      url: `${rx.url}${LOAD_TARGET_PATH}`,
      eventTypes: [EVENT_TYPE],
      rateLimitPerSecond: 1000,
      retryPolicy: { kind: 'attempts', maxAttempts: 5, intervalSeconds: 1, backoff: 'fixed' },
    });
  }
  const http = httpPublisher(h.apiUrl, h.apiKey);
  const snapshot = (): CpuSnapshot => stackCpuSnapshot(h.pid);
  const ctx = { rx };
  // Figures from a Herald that died, or that refused every publish, are no figures: fail the side.
  let firstError: string | undefined;
  const publish = publisher(http.publish, EVENT_TYPE, PAYLOAD_BYTES);
  const send: typeof publish = (i, sentAt) =>
    publish(i, sentAt).catch((err: unknown) => {
      firstError ??= err instanceof Error ? err.message : String(err);
      throw err;
    });
  const check = (phase: string, ok = 1) => {
    const end = h.ended();
    if (end) throw new Error(`Herald ended (${end}) during the ${phase}`);
    if (ok === 0) throw new Error(`no publish succeeded in the ${phase}: ${firstError ?? 'no error recorded'}`);
  };
  try {
    await rx.reset();
    await rx.take();
    const w = await openLoad({ rate: opts.warmupRate, seconds: opts.warmupSeconds, send, drainCapMs: 30_000 });
    check('warm-up', w.ok);
    await rx.waitFor(w.ok, 30_000);
    await rx.take();
    await sleep(SETTLE_MS); // let the warm-up's last workflows complete before idle is read
    const warmup = { offered: w.offered, ok: w.ok, errors: w.errors + w.dropped };

    const idle0 = snapshot();
    await sleep(opts.idleSeconds * 1000);
    const idleCpuMsPerSecond = cpuPer(idle0, snapshot(), opts.idleSeconds);
    check('idle phase');
    say(
      `idle: ${idleCpuMsPerSecond.total} CPU ms/s (Herald ${idleCpuMsPerSecond.herald}, Temporal ${idleCpuMsPerSecond.temporal}, Postgres ${idleCpuMsPerSecond.postgres})`,
    );

    const lat = await step(ctx, opts.latencyRate, opts.durationSeconds, send, 1, PATH_PREFIX, true, snapshot);
    check('latency phase', lat.offeredDeliveries - lat.publishErrors);
    say(
      `latency ${lat.rate}/s: end-to-end p50 ${lat.endToEnd.p50} / p95 ${lat.endToEnd.p95} / p99 ${lat.endToEnd.p99} ms, publish p99 ${lat.publish.p99} ms, ${lat.delivered}/${lat.offeredDeliveries} delivered`,
    );

    const cpu = await step(ctx, opts.cpuRate, opts.durationSeconds, send, 1, PATH_PREFIX, true, snapshot);
    check('CPU phase', cpu.offeredDeliveries - cpu.publishErrors);
    const c = cpu.cpuPerDelivery;
    say(
      `CPU at ${cpu.rate}/s: ${c.total} ms/delivery (Herald ${c.herald}, Temporal ${c.temporal}, Postgres ${c.postgres}), ${cpu.delivered}/${cpu.offeredDeliveries} delivered`,
    );

    let publishOnlyCpuPerPublish: SideFigures['publishOnlyCpuPerPublish'];
    if (apiSetUp) {
      const nobody = publisher(http.publish, NOBODY_TYPE, PAYLOAD_BYTES);
      const p0 = snapshot();
      const p = await openLoad({ rate: opts.cpuRate, seconds: opts.durationSeconds, send: nobody, drainCapMs: 30_000 });
      check('publish-only phase', p.ok);
      publishOnlyCpuPerPublish = { rate: opts.cpuRate, ...cpuPer(p0, snapshot(), p.ok) };
      const q = publishOnlyCpuPerPublish;
      say(
        `publish only at ${opts.cpuRate}/s (no subscriber): ${q.total} CPU ms/publish (Herald ${q.herald}, Temporal ${q.temporal}, Postgres ${q.postgres}), ${p.ok} accepted`,
      );
    }

    const ladder: StepResult[] = [];
    for (const rate of opts.ladder) {
      const r = await step(ctx, rate, opts.durationSeconds, send, 1, PATH_PREFIX, true, snapshot);
      ladder.push(r);
      check(`ladder step at ${rate}/s`);
      say(
        `ladder ${rate}/s: ${r.delivered}/${r.offeredDeliveries} delivered, slope ${r.backlogSlope}/s, drain ${r.drainMs} ms, p99 ${r.endToEnd.p99} ms → ${r.sustained ? 'sustained' : 'NOT sustained'}`,
      );
      if (!r.sustained) break;
    }
    const best = ladder.filter((s) => s.sustained).pop();

    return {
      figures: {
        startupSeconds: h.startupSeconds,
        idleCpuMsPerSecond,
        latency: { rate: lat.rate, p50: lat.endToEnd.p50, p95: lat.endToEnd.p95, p99: lat.endToEnd.p99, publishP99: lat.publish.p99 },
        latencyCpuPerDelivery: { rate: lat.rate, ...lat.cpuPerDelivery },
        cpuPerDelivery: { rate: cpu.rate, ...cpu.cpuPerDelivery },
        sustainedDeliveriesPerSecond: best?.rate ?? 0,
        ...(publishOnlyCpuPerPublish ? { publishOnlyCpuPerPublish } : {}),
      },
      raw: { warmup, latency: lat, cpu, ladder, firstPublishError: firstError ?? null },
    };
  } finally {
    await http.close().catch(() => undefined);
  }
}
