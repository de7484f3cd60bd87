import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchContext, setUpScenario } from './bench-context.js';
import { type HeraldUnderTest, startHeraldUnderTest } from './herald-under-test.js';
import { HELP, parseOptions } from './options.js';
import { toMarkdown } from './report.js';
import { runFanOut, runParked, runRateLimit, runRetryTiming } from './scenario-engine.js';
import { runOrdered } from './scenario-ordered.js';
import { measureCeiling, runLadder, runLatency, runPublishOnly } from './scenario-load.js';
import { startReceiverProcess } from './receiver-client.js';
import { runScaleOut, scaleOutMarkdown } from './scale-out.js';
import { runTemporalSides, startBenchCluster, writeSides } from './temporal-sides.js';

// `npm run bench [-- options]`: brings up Herald and a receiver process, runs every scenario in
// order, and writes bench/results/<date>.json and .md. Options: bench/options.ts.
// `npm run bench -- --compare <git-ref> [...]` runs bench/compare/run-compare.ts instead, and
// `npm run bench -- --floor [...]` bench/floor/run-floor.ts, and `npm run bench -- --attribution
// [--rate N] [--duration S]` bench/attribution/run-attribution.ts.

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/**
 * Every scenario but the parked retries, on one Herald; then the parked retries on a fresh one,
 * so neither skews the other: heaps inflated by load would hide memory growth, and 10,000 open
 * workflows would slow the load phases.
 */
async function runAll(ctx: BenchContext, startedAt: string, fresh: () => Promise<HeraldUnderTest>) {
  const on = ctx.opts.only;
  const ceiling = await measureCeiling(ctx);
  const ladder = on.has('ladder') ? await runLadder(ctx) : null;
  // Without the ladder, latency runs at the 100/s target only.
  const latency = on.has('latency')
    ? await runLatency(ctx, ladder?.type ?? (await setUpScenario(ctx, 'load', ctx.opts.fanout)), ladder?.sustainedRate ?? 0)
    : null;
  const publishOnly = on.has('publish') ? await runPublishOnly(ctx, 50) : null;
  const fanOut = on.has('fanout')
    ? [await runFanOut(ctx, 10, ctx.opts.fanOutEvents[0]), await runFanOut(ctx, ctx.opts.fanOutWebhooks, ctx.opts.fanOutEvents[1])]
    : null;
  const ordered = on.has('ordered') ? await runOrdered(ctx, ctx.opts.orderedEvents) : null;
  const retryTiming = on.has('retry') ? await runRetryTiming(ctx) : null;
  const rateLimit = on.has('ratelimit') ? await runRateLimit(ctx) : null;
  const services = `${ctx.opts.temporal === 'cluster' ? 'a fresh real cluster (4 temporal-server processes, PostgreSQL)' : ctx.h.external.temporal ? 'external Temporal' : 'embedded Temporal dev server (SQLite)'}, ${ctx.h.external.database ? 'external PostgreSQL' : 'embedded PostgreSQL'}`;
  const startupSeconds = ctx.h.startupSeconds;
  let parked = null;
  if (on.has('parked')) {
    await ctx.h.close();
    ctx.h = await fresh();
    parked = await runParked(ctx, 50);
  }
  return {
    startedAt,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    services,
    options: { ...ctx.opts, only: [...ctx.opts.only] },
    startupSeconds,
    ceiling,
    ladder,
    latency,
    publishOnly,
    fanOut,
    ordered,
    retryTiming,
    rateLimit,
    parked,
  };
}
export type BenchResults = Awaited<ReturnType<typeof runAll>>;

async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--observability-compare')) {
    const { runObservabilityCompare } = await import('./compare/run-observability-compare.js');
    return runObservabilityCompare(argv);
  }
  if (argv.includes('--attribution')) {
    const { runAttribution } = await import('./attribution/run-attribution.js');
    return runAttribution(argv);
  }
  if (argv.includes('--floor')) {
    const { runFloor } = await import('./floor/run-floor.js');
    return runFloor(argv);
  }
  if (argv.includes('--compare')) {
    const { runCompare } = await import('./compare/run-compare.js');
    return runCompare(argv);
  }
  const opts = parseOptions(argv);
  if (opts === 'help') {
    console.log(HELP);
    return;
  }
  const say = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const startedAt = new Date().toISOString();
  const rx = await startReceiverProcess();
  if (opts.scaleOut) {
    try {
      const runs = await runScaleOut(opts, rx, say);
      const dir = path.join(RESULTS_DIR, 'cluster');
      await fs.mkdir(dir, { recursive: true });
      const base = path.join(dir, `${startedAt.slice(0, 19).replace(/:/g, '-')}${opts.quick ? '-quick' : ''}-scale-out`);
      const md = scaleOutMarkdown(runs, opts, startedAt);
      await fs.writeFile(
        `${base}.json`,
        `${JSON.stringify({ startedAt, options: { ...opts, only: [...opts.only] }, loadAvgAtEnd: os.loadavg(), runs }, null, 2)}\n`,
      );
      await fs.writeFile(`${base}.md`, md);
      console.log(`\n${md}`);
      say(`results: ${base}.json and .md`);
    } finally {
      await rx.stop();
    }
    return;
  }
  if (opts.temporal === 'both') {
    try {
      const runs = await runTemporalSides(opts, rx, say);
      const base = await writeSides(path.join(RESULTS_DIR, 'cluster'), runs, opts, startedAt);
      console.log(`\n${await fs.readFile(`${base}.md`, 'utf8')}`);
      say(`results: ${base}.json and .md`);
    } finally {
      await rx.stop();
    }
    return;
  }
  const ctx: Partial<BenchContext> = { rx, opts, say };
  // --temporal cluster: a fresh real cluster for the whole run (both Heralds use it).
  const cluster = opts.temporal === 'cluster' ? await startBenchCluster(say) : undefined;
  const temporalAddress = cluster?.address;
  try {
    ctx.h = await startHeraldUnderTest(say, { temporalAddress });
    const results = await runAll(ctx as BenchContext, startedAt, () => startHeraldUnderTest(say, { workerProcess: true, temporalAddress }));
    const dir = cluster ? path.join(RESULTS_DIR, 'cluster') : RESULTS_DIR;
    await fs.mkdir(dir, { recursive: true });
    const base = path.join(dir, `${startedAt.slice(0, 19).replace(/:/g, '-')}${opts.quick ? '-quick' : ''}${cluster ? '-cluster' : ''}`);
    const md = toMarkdown(results);
    await fs.writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
    await fs.writeFile(`${base}.md`, md);
    console.log(`\n${md}`);
    say(`results: ${base}.json and .md`);
  } finally {
    await ctx.h?.close();
    await cluster?.dispose().catch((err) => say(`cluster stop failed: ${String(err)}`));
    await rx.stop();
  }
}

run()
  .then(() => process.exit(0)) // the Temporal native runtime keeps the loop alive after shutdown
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
