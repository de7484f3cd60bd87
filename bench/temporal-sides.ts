import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeClusterBasePort, startScratchCluster } from '../tools/cluster/cluster-setup.js';
import type { BenchContext } from './bench-context.js';
import { startHeraldUnderTest } from './herald-under-test.js';
import type { BenchOptions } from './options.js';
import type { ReceiverProcess } from './receiver-client.js';
import { type StepResult, runLadder } from './scenario-load.js';

export type TemporalSide = 'dev' | 'cluster';

/**
 * A fresh real cluster for the bench (`npm run cluster`'s: four temporal-server processes on
 * their own embedded PostgreSQL, no UI) on a free base port; `dispose` stops it and removes its data.
 * Its processes are children of this one, so the bench's /proc sampling sees them by service.
 */
export async function startBenchCluster(say: (line: string) => void) {
  const t0 = Date.now();
  const scratch = await startScratchCluster((l) => say(`cluster: ${l}`), {
    HERALD_CLUSTER_PORT: String(await freeClusterBasePort()),
    HERALD_CLUSTER_UI: 'false',
  });
  say(`cluster up at ${scratch.cluster.address} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { address: scratch.cluster.address, dispose: () => scratch.dispose() };
}

/** One side of one round: the ladder's steps on a fresh Herald (and fresh cluster). */
export interface SideLadder {
  round: number;
  side: TemporalSide;
  startupSeconds: number;
  sustainedRate: number;
  steps: StepResult[];
}

/**
 * `npm run bench -- --temporal both`: for each round, the dev server and then a cluster, each a
 * fresh Herald as `npm start` runs it (API and worker in this process, eager start, its own
 * embedded PostgreSQL), warm-up then the offered-rate ladder; CPU per delivery by process.
 */
export async function runTemporalSides(opts: BenchOptions, rx: ReceiverProcess, say: (line: string) => void): Promise<SideLadder[]> {
  const out: SideLadder[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const side of ['dev', 'cluster'] as TemporalSide[]) {
      const label = (l: string) => say(`round ${round}/${opts.rounds} ${side}: ${l}`);
      const cluster = side === 'cluster' ? await startBenchCluster(label) : undefined;
      try {
        const h = await startHeraldUnderTest(label, { temporalAddress: cluster?.address });
        try {
          const ctx: BenchContext = { h, rx, opts, say: label };
          const ladder = await runLadder(ctx);
          out.push({ round, side, startupSeconds: h.startupSeconds, sustainedRate: ladder.sustainedRate, steps: ladder.steps });
        } finally {
          await h.close();
        }
      } finally {
        await cluster?.dispose().catch((err) => label(`cluster stop failed: ${String(err)}`));
      }
    }
  }
  return out;
}

const f = (n: number | undefined, d = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '–');
const PART_ORDER = ['dev server', 'history', 'frontend', 'matching', 'worker', 'cluster PostgreSQL', 'Herald PostgreSQL'];

/** "total = Herald a + history b + …" for one step's CPU ms per delivery. */
function cpuText(s: StepResult): string {
  const c = s.cpuPerDelivery;
  const parts = Object.entries(c.parts ?? {}).filter(([, v]) => v >= 0.05);
  const rank = (n: string) => (PART_ORDER.includes(n) ? PART_ORDER.indexOf(n) : PART_ORDER.length);
  parts.sort(([a], [b]) => rank(a) - rank(b));
  const total = c.herald + parts.reduce((a, [, v]) => a + v, 0);
  return `${f(total)} = Herald ${f(c.herald)} + ${parts.map(([n, v]) => `${n} ${f(v)}`).join(' + ')}`;
}

/** Markdown: per round, the dev server and the cluster side by side at every ladder rate. */
export function sidesMarkdown(runs: SideLadder[], opts: BenchOptions, startedAt: string): string {
  const L = [`# Dev server vs cluster, ${startedAt}`, ''];
  L.push(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' / ',
      )}. Ladder ${opts.ladder.join(', ')} events/s, ${opts.durationSeconds} s a step, 1 webhook, ${opts.payloadBytes} B payload. Order: ${runs.map((r) => `${r.side}`).join(', ')}.`,
    '',
  );
  L.push(
    'CPU ms per delivery: Herald = this process (API, worker and the load generator); every other part is one server process (PostgreSQL with its backends), read from /proc over the step including its drain.',
    '',
  );
  for (let round = 1; round <= opts.rounds; round++) {
    const dev = runs.find((r) => r.round === round && r.side === 'dev');
    const cl = runs.find((r) => r.round === round && r.side === 'cluster');
    L.push(`## Round ${round}`, '', '| | dev server (SQLite, one process) | cluster (4 processes, PostgreSQL) |', '| --- | --- | --- |');
    L.push(`| startup of Herald (s) | ${f(dev?.startupSeconds)} | ${f(cl?.startupSeconds)} |`);
    L.push(`| highest sustained step | ${dev?.sustainedRate ?? '–'}/s | ${cl?.sustainedRate ?? '–'}/s |`);
    for (const rate of opts.ladder) {
      const a = dev?.steps.find((s) => s.rate === rate);
      const b = cl?.steps.find((s) => s.rate === rate);
      if (!a && !b) continue;
      const lat = (s?: StepResult) =>
        s
          ? `${f(s.endToEnd.p50)} / ${f(s.endToEnd.p99)} ms, ${f(s.deliveredPerSecond)}/s delivered${s.sustained ? '' : ' (not sustained)'}`
          : '–';
      L.push(`| ${rate}/s: e2e p50 / p99 | ${lat(a)} | ${lat(b)} |`);
      L.push(`| ${rate}/s: CPU ms per delivery | ${a ? cpuText(a) : '–'} | ${b ? cpuText(b) : '–'} |`);
    }
    L.push('');
  }
  return `${L.join('\n')}\n`;
}

/** Writes `<dir>/<date>[-quick]-both.json` and `.md`; returns the base path. */
export async function writeSides(dir: string, runs: SideLadder[], opts: BenchOptions, startedAt: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const base = path.join(dir, `${startedAt.slice(0, 19).replace(/:/g, '-')}${opts.quick ? '-quick' : ''}-both`);
  await fs.writeFile(
    `${base}.json`,
    `${JSON.stringify({ startedAt, options: { ...opts, only: [...opts.only] }, loadAvgAtEnd: os.loadavg(), runs }, null, 2)}\n`,
  );
  await fs.writeFile(`${base}.md`, sidesMarkdown(runs, opts, startedAt));
  return base;
}
