import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startReceiverProcess } from '../receiver-client.js';
import { parseCompareOptions } from './compare-options.js';
import { compareTable } from './compare-report.js';
import { medianOf } from './median.js';
import { headlineRatios } from './ratios.js';
import { runSide, type SideFigures, type SideRun } from './run-side.js';
import { spawnHerald } from './spawn-herald.js';
import { stopStack } from './stop-stack.js';
import { WORKING_TREE, workingTreeState } from './git-worktree.js';

// `npm run bench -- --observability-compare [--quick] [--rounds N] [--duration S] [--rate N]`:
// the working tree three times over, with only the environment changed, interleaved per round:
//   off      HERALD_METRICS_ENABLED=false (no /metrics, no SDK metrics, no recording)
//   metrics  the default: metrics on, tracing off
//   traced   metrics on and HERALD_OTEL_ENABLED=true, exporting to a discarding OTLP sink
// It prints metrics ÷ off (the cost of metrics) and traced ÷ metrics (the cost of tracing), each
// with the compare harness' phases and figures (run-side.ts).

const VARIANTS = ['off', 'metrics', 'traced'] as const;
type Variant = (typeof VARIANTS)[number];

/** An OTLP/HTTP endpoint that accepts and drops every export (the cost measured is Herald's, not a collector's). */
async function startDiscardingSink(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => bytes,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

export async function runObservabilityCompare(argv: readonly string[]): Promise<void> {
  const opts = parseCompareOptions(['--compare', 'working-tree', ...argv.filter((a) => a !== '--observability-compare')]);
  if (opts === 'help') {
    console.log('npm run bench -- --observability-compare [--quick] [--rounds N] [--duration S] [--rate N]');
    return;
  }
  const say = (line: string) => console.log(`[obs-compare ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const head = await workingTreeState();
  const loadAvgAtStart = os.loadavg();
  const running = stopStack();
  const onSignal = () => void running.stopAll().then(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sink = await startDiscardingSink();
  const stopSink = running.push(sink.close);
  const env: Record<Variant, Record<string, string>> = {
    off: { HERALD_METRICS_ENABLED: 'false', HERALD_OTEL_ENABLED: 'false' },
    metrics: { HERALD_METRICS_ENABLED: 'true', HERALD_OTEL_ENABLED: 'false' },
    traced: { HERALD_METRICS_ENABLED: 'true', HERALD_OTEL_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
  };
  const runs: { round: number; variant: Variant; run: SideRun }[] = [];
  try {
    const rx = await startReceiverProcess();
    const stopRx = running.push(rx.stop);
    try {
      for (let round = 1; round <= opts.rounds; round++) {
        for (const variant of VARIANTS) {
          const label = `round ${round}/${opts.rounds} ${variant}`;
          let stopHerald = async (): Promise<void> => undefined;
          const h = await spawnHerald(WORKING_TREE, label, say, (stop) => (stopHerald = running.push(stop)), env[variant]);
          say(`${label}: Herald pid ${h.pid} up in ${h.startupSeconds.toFixed(1)} s`);
          try {
            runs.push({ round, variant, run: await runSide(h, rx, opts, (l) => say(`${label}: ${l}`)) });
          } catch (err) {
            throw new Error(
              `${label} failed: ${err instanceof Error ? err.message : String(err)}\n--- Herald's last output ---\n${h.tail()}`,
            );
          } finally {
            await stopHerald();
          }
        }
      }
    } finally {
      await stopRx();
    }
  } finally {
    await stopSink();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const median = Object.fromEntries(
    VARIANTS.map((v) => [v, medianOf(runs.filter((r) => r.variant === v).map((r) => r.run.figures))]),
  ) as Record<Variant, SideFigures>;
  const ratios = {
    metricsOverOff: headlineRatios(median.off, median.metrics),
    tracedOverMetrics: headlineRatios(median.metrics, median.traced),
    tracedOverOff: headlineRatios(median.off, median.traced),
  };
  const result = {
    startedAt,
    runtimeSeconds: Math.round((Date.now() - t0) / 1000),
    tree: { sha: head.sha, dirty: head.dirty },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAvgAtStart },
    options: opts,
    variants: env,
    otlpBytesReceived: sink.received(),
    median,
    ratios,
    runs,
  };
  const file = path.join(WORKING_TREE, 'bench', 'results', `observability-${startedAt.slice(0, 19).replace(/:/g, '-')}`);
  const md = [
    `# Herald observability cost, ${startedAt}`,
    '',
    `Working tree at ${head.sha}${head.dirty ? ' (uncommitted changes)' : ''}; ${opts.rounds} round(s) of off, metrics, traced, interleaved; ${result.machine.cpus} × ${result.machine.cpuModel}, load average at start ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}. Options ${JSON.stringify({ quick: opts.quick, duration: opts.durationSeconds, ladder: opts.ladder })}. OTLP bytes exported by the traced runs: ${sink.received()}.`,
    '',
    '## Metrics on ÷ off ("base" = off, "new" = metrics)',
    '',
    compareTable({ median: { base: median.off, new: median.metrics } }),
    '',
    '## Tracing on ÷ off, metrics on in both ("base" = metrics, "new" = traced)',
    '',
    compareTable({ median: { base: median.metrics, new: median.traced } }),
    '',
    `Ratios: ${JSON.stringify(ratios)}`,
    '',
  ].join('\n');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await fs.writeFile(`${file}.md`, md);
  console.log(`\n${md}`);
  say(`results: ${file}.json and .md (${result.runtimeSeconds} s)`);
}
