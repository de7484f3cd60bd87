import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHeraldUnderTest } from '../herald-under-test.js';
import { startReceiverProcess } from '../receiver-client.js';
import { type CpuProfile, categorize } from './profile-categories.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
/** Sampling interval of the profiler, µs: 1 ms keeps its own cost small against a ~20 ms delivery. */
const SAMPLE_US = 1000;

const arg = (argv: string[], name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? Number(argv[i + 1]) : dflt;
};

/**
 * `npm run bench -- --attribution [--rate N] [--duration S]`: Herald as `npm start` runs it, in
 * this process (the bench's publisher too, counted apart; the receiver in its own process), at a
 * steady rate to one webhook after a 5 s warm-up, with V8's sampling profiler on the main thread.
 * Reports the main thread's milliseconds per delivery by part (profile-categories.ts) and the
 * whole process' CPU per delivery; writes bench/results/attribution-<date>.json and .md. The
 * profiler's own cost is in the figures: compare parts with each other, not with other runs.
 */
export async function runAttribution(argv: string[]): Promise<void> {
  const rate = arg(argv, 'rate', 25);
  const seconds = arg(argv, 'duration', 20);
  const say = (l: string) => process.stdout.write(`[attribution] ${l}\n`);
  const rx = await startReceiverProcess();
  const h = await startHeraldUnderTest(say);
  try {
    await h.api.eventTypes.create.mutate({ name: 'bench.attr', description: 'bench --attribution load' });
    await h.api.webhooks.create.mutate({ name: 'attr', url: `${rx.url}/attr/0`, eventTypes: ['bench.attr'], rateLimitPerSecond: 1000 });
    const data = { pad: 'x'.repeat(200) };
    const load = async (n: number) => {
      const t0 = Date.now();
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const wait = t0 + (i * 1000) / rate - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        calls.push(h.publish('bench.attr', data));
      }
      await Promise.all(calls);
    };
    await load(rate * 5);
    if (!(await rx.waitFor(rate * 5, 60_000))) throw new Error('warm-up deliveries did not all arrive');
    await rx.take();
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLE_US });
    await session.post('Profiler.start');
    const cpu0 = process.cpuUsage();
    const n = rate * seconds;
    await load(n);
    if (!(await rx.waitFor(n, 120_000))) throw new Error('measured deliveries did not all arrive');
    const cpu = process.cpuUsage(cpu0);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const parts = [...categorize(profile as CpuProfile)].sort((a, b) => b[1] - a[1]);
    const mainMs = parts.reduce((s, [, ms]) => s + ms, 0);
    const result = {
      startedAt: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      rate,
      seconds,
      deliveries: n,
      processCpuMsPerDelivery: round((cpu.user + cpu.system) / 1000 / n),
      mainThreadMsPerDelivery: round(mainMs / n),
      parts: parts.map(([part, ms]) => ({ part, msPerDelivery: round(ms / n), share: round(ms / mainMs) })),
    };
    const rows = result.parts.map((p) => `| ${p.part} | ${p.msPerDelivery} | ${(p.share * 100).toFixed(0)} % |`);
    const md = `# Herald's main thread per delivery, by part, ${result.startedAt}\n\n\`npm run bench -- --attribution --rate ${rate} --duration ${seconds}\`; ${result.machine}. ${n} deliveries at ${rate}/s to one webhook, Herald in-process (API, worker, embedded PostgreSQL and Temporal dev server as \`npm start\`), V8's sampling profiler on the main thread every ${SAMPLE_US} µs.\n\nWhole process: ${result.processCpuMsPerDelivery} CPU-ms per delivery (all threads, the bench's publisher included, the profiler's cost included). Main thread, sampled: ${result.mainThreadMsPerDelivery} ms per delivery:\n\n| part | ms per delivery | share |\n| --- | --- | --- |\n${rows.join('\n')}\n`;
    const stamp = result.startedAt.replace(/:/g, '-').replace(/\..*/, '');
    await fs.mkdir(RESULTS, { recursive: true });
    await fs.writeFile(path.join(RESULTS, `attribution-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
    await fs.writeFile(path.join(RESULTS, `attribution-${stamp}.md`), md);
    process.stdout.write(`\n${md}\nresults: bench/results/attribution-${stamp}.json and .md\n`);
  } finally {
    await h.close();
    await rx.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
