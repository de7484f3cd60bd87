import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHeraldClient } from '../src/api/client.js';
import { createHerald } from '../src/app/create-herald.js';
import { startHeraldProcess } from '../src/app/herald-process.js';
import { loadConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/embedded/embedded-postgres.js';
import { createTeamWithKey } from '../src/app/bootstrap-team.js';
import { freePort } from '../test/support/free-port.js';
import { type CpuSnapshot, cpuPer } from './bench-context.js';
import { type Send, httpPublisher, openLoad, publisher } from './load.js';
import type { BenchOptions } from './options.js';
import { cpuByPart, cpuMs, findServicePids, processCpuMs } from './proc-stats.js';
import type { ReceiverProcess } from './receiver-client.js';
import { type StepResult, step } from './scenario-load.js';
import { startBenchCluster } from './temporal-sides.js';

/** Herald process counts tried, in order, on the same cluster and database. */
export const SHAPES = [
  { workers: 1, apis: 1 },
  { workers: 2, apis: 1 },
  { workers: 1, apis: 2 },
  { workers: 2, apis: 2 },
];

export interface ShapeRun {
  workers: number;
  apis: number;
  sustainedRate: number;
  steps: StepResult[];
}

/**
 * `npm run bench -- --scale-out`: one fresh cluster and one Herald database; for each shape,
 * that many `npm run worker` and `npm run api` processes (production's layout: no eager start),
 * publishes spread round-robin over the APIs, the offered-rate ladder. CPU: `herald` is the sum
 * of the worker and API processes; Temporal and PostgreSQL by process in `parts`.
 */
export async function runScaleOut(opts: BenchOptions, rx: ReceiverProcess, say: (line: string) => void): Promise<ShapeRun[]> {
  const cluster = await startBenchCluster(say);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-scale-'));
  await fs.chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  const base = loadConfig();
  const config = loadConfig({
    PATH: base.pathEnv,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: cluster.address,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
  });
  // This process only seeds the database (migrated); the APIs and workers run as their own processes.
  const store = await createHerald(config, { overrides: { noTemporal: true, logName: 'bench' } });
  const { db } = store.handles;
  const runs: ShapeRun[] = [];
  try {
    await store.start();
    const team = await createTeamWithKey(db, 'scale-out');
    // info: the processes' ready lines ('worker running', 'api listening') are info.
    const env = { HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000', HERALD_LOG_LEVEL: 'info' };
    let typeReady = false;
    for (const shape of SHAPES) {
      const label = `${shape.workers} worker(s), ${shape.apis} API(s)`;
      const procs: Awaited<ReturnType<typeof startHeraldProcess>>[] = [];
      const publishers: ReturnType<typeof httpPublisher>[] = [];
      const urls: string[] = [];
      try {
        for (let i = 0; i < shape.workers; i++) procs.push(await startHeraldProcess('worker', config, pg.url, env));
        for (let i = 0; i < shape.apis; i++) {
          const port = await freePort();
          procs.push(await startHeraldProcess('api', config, pg.url, { ...env, HERALD_API_PORT: String(port) }));
          urls.push(`http://127.0.0.1:${port}`);
          publishers.push(httpPublisher(urls[i]!, team.key));
        }
        if (!typeReady) {
          const api = createHeraldClient({ url: urls[0]!, apiKey: team.key });
          await api.eventTypes.create.mutate({ name: 'bench.scale', description: 'scale-out load' });
          await api.webhooks.create.mutate({
            name: 'scale-0',
            url: `${rx.url}/scale/0`,
            eventTypes: ['bench.scale'],
            rateLimitPerSecond: 1000,
          });
          typeReady = true;
        }
        const pids = procs.map((p) => p.child.pid!);
        const snapshot = (): CpuSnapshot => {
          const g = findServicePids();
          return {
            herald: pids.reduce((a, p) => a + processCpuMs(p), 0),
            threads: {},
            temporal: cpuMs(g.temporal),
            postgres: cpuMs(g.postgres),
            parts: cpuByPart(),
          };
        };
        const sends = publishers.map((p) => publisher(p.publish, 'bench.scale', opts.payloadBytes));
        const send: Send = (i, sentAt) => sends[i % sends.length]!(i, sentAt);
        await rx.take();
        const warm = await openLoad({ rate: 20, seconds: 2, send }); // warm-up: task queues, connections, JIT
        await rx.waitFor(warm.ok, 30_000);
        say(`${label}: up (pids ${pids.join(', ')}), warm-up ${warm.ok}/${warm.offered} published`);
        const steps: StepResult[] = [];
        for (const rate of opts.ladder) {
          const r = await step({ rx }, rate, opts.durationSeconds, send, 1, '/scale/', true, snapshot);
          steps.push(r);
          say(
            `${label}: ${rate}/s → ${r.delivered}/${r.offeredDeliveries}, ${r.deliveredPerSecond}/s, p99 ${r.endToEnd.p99} ms, Herald ${r.cpuPerDelivery.herald} ms/delivery → ${r.sustained ? 'sustained' : 'NOT sustained'}`,
          );
          if (!r.sustained) break;
        }
        runs.push({ ...shape, sustainedRate: steps.filter((s) => s.sustained).pop()?.rate ?? 0, steps });
      } finally {
        await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
        await Promise.allSettled(procs.map((p) => p.stop()));
      }
    }
  } finally {
    await store.stop();
    await cluster.dispose().catch((err) => say(`cluster stop failed: ${String(err)}`));
    await pg.stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
  return runs;
}

const f = (n: number | undefined, d = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '–');

/** Markdown: one row per shape, its highest sustained step and the CPU split at that step. */
export function scaleOutMarkdown(runs: ShapeRun[], opts: BenchOptions, startedAt: string): string {
  const L = [`# Scale-out on one cluster, ${startedAt}`, ''];
  L.push(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' / ',
      )}. Ladder ${opts.ladder.join(', ')} events/s, ${opts.durationSeconds} s a step, 1 webhook; workers and APIs as separate processes (no eager start).`,
    '',
  );
  L.push(
    '| workers | APIs | highest sustained | at that step: delivered/s, e2e p50 / p99 ms | CPU ms per delivery: Herald processes + Temporal + PostgreSQL | first step not sustained |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const r of runs) {
    const best = r.steps.filter((s) => s.sustained).pop();
    const fail = r.steps.find((s) => !s.sustained);
    const parts = best
      ? Object.entries(best.cpuPerDelivery.parts ?? {})
          .filter(([, v]) => v >= 0.05)
          .map(([n, v]) => `${n} ${f(v)}`)
          .join(', ')
      : '';
    L.push(
      `| ${r.workers} | ${r.apis} | ${r.sustainedRate}/s | ${best ? `${f(best.deliveredPerSecond)}, ${f(best.endToEnd.p50)} / ${f(best.endToEnd.p99)}` : '–'} | ${best ? `Herald ${f(best.cpuPerDelivery.herald)} + ${parts}` : '–'} | ${fail ? `${fail.rate}/s: ${f(fail.deliveredPerSecond)}/s delivered, p99 ${f(fail.endToEnd.p99)} ms` : 'none (top of the ladder)'} |`,
    );
  }
  return `${L.join('\n')}\n`;
}
