import type { CompareResult, RoundRun } from './compare-result.js';
import { newOverBase } from './ratios.js';
import type { SideFigures } from './run-side.js';

const f = (n: number | undefined, digits = 1) =>
  n !== undefined && Number.isFinite(n) ? String(Math.round(n * 10 ** digits) / 10 ** digits) : 'n/a';
const r = (base: number | undefined, next: number | undefined) => {
  const v = newOverBase(base ?? Number.NaN, next ?? Number.NaN);
  return Number.isFinite(v) ? `${v}×` : 'n/a';
};

/** Column names of a table: the two sides, and what the node process is called. */
export interface TableLabels {
  base: string;
  new: string;
  /** The side's own node process (Herald's, or the floor program's). */
  node: string;
}
const COMPARE_LABELS: TableLabels = { base: 'base', new: 'new', node: 'Herald node process' };

/** The figure rows (label, value of a side's figures, decimals), in the table's order. */
function rows(b: SideFigures, n: SideFigures, node: string): [string, (s: SideFigures) => number | undefined, number][] {
  const { rate: lr } = b.latency;
  const cr = b.cpuPerDelivery.rate;
  const threads = [...new Set([...Object.keys(b.cpuPerDelivery.heraldThreads), ...Object.keys(n.cpuPerDelivery.heraldThreads)])].sort(
    (x, y) =>
      (n.cpuPerDelivery.heraldThreads[y] ?? 0) +
      (b.cpuPerDelivery.heraldThreads[y] ?? 0) -
      (n.cpuPerDelivery.heraldThreads[x] ?? 0) -
      (b.cpuPerDelivery.heraldThreads[x] ?? 0),
  );
  return [
    ['idle CPU, whole stack, ms/s', (s) => s.idleCpuMsPerSecond.total, 1],
    [`idle CPU, ${node}, ms/s`, (s) => s.idleCpuMsPerSecond.herald, 1],
    ['idle CPU, Temporal dev server, ms/s', (s) => s.idleCpuMsPerSecond.temporal, 1],
    ['idle CPU, PostgreSQL, ms/s', (s) => s.idleCpuMsPerSecond.postgres, 1],
    [`end-to-end p50 at ${lr}/s, ms`, (s) => s.latency.p50, 1],
    [`end-to-end p95 at ${lr}/s, ms`, (s) => s.latency.p95, 1],
    [`**end-to-end p99 at ${lr}/s, ms**`, (s) => s.latency.p99, 1],
    [`publish call p99 at ${lr}/s, ms`, (s) => s.latency.publishP99, 1],
    [`CPU ms per delivery at ${lr}/s, total`, (s) => s.latencyCpuPerDelivery?.total, 2],
    [`CPU ms per delivery at ${lr}/s, ${node}`, (s) => s.latencyCpuPerDelivery?.herald, 2],
    [`CPU ms per delivery at ${lr}/s, Temporal dev server`, (s) => s.latencyCpuPerDelivery?.temporal, 2],
    [`CPU ms per delivery at ${lr}/s, PostgreSQL`, (s) => s.latencyCpuPerDelivery?.postgres, 2],
    [`**CPU ms per delivery at ${cr}/s, total**`, (s) => s.cpuPerDelivery.total, 2],
    [`CPU ms per delivery at ${cr}/s, ${node}`, (s) => s.cpuPerDelivery.herald, 2],
    ...threads.map((t): [string, (s: SideFigures) => number | undefined, number] => [
      `  … thread \`${t}\``,
      (s) => s.cpuPerDelivery.heraldThreads[t],
      2,
    ]),
    [`CPU ms per delivery at ${cr}/s, Temporal dev server`, (s) => s.cpuPerDelivery.temporal, 2],
    [`CPU ms per delivery at ${cr}/s, PostgreSQL`, (s) => s.cpuPerDelivery.postgres, 2],
    [`CPU ms per publish with no subscriber at ${cr}/s, ${node}`, (s) => s.publishOnlyCpuPerPublish?.herald, 2],
    [`CPU ms per publish with no subscriber at ${cr}/s, PostgreSQL`, (s) => s.publishOnlyCpuPerPublish?.postgres, 2],
    ['**sustained deliveries/s (ladder)**', (s) => s.sustainedDeliveriesPerSecond, 0],
    ['startup to "Herald is running", s', (s) => s.startupSeconds, 1],
  ];
}

/** The comparison table (medians over rounds, new ÷ base). Printed and written to the .md. */
export function compareTable(res: Pick<CompareResult, 'median'>, labels: TableLabels = COMPARE_LABELS): string {
  const { base: b, new: n } = res.median;
  const L = [`| figure | ${labels.base} | ${labels.new} | ${labels.new} ÷ ${labels.base} |`, '|---|---|---|---|'];
  for (const [label, get, digits] of rows(b, n, labels.node))
    L.push(`| ${label} | ${f(get(b), digits)} | ${f(get(n), digits)} | ${r(get(b), get(n))} |`);
  return L.join('\n');
}

/** The whole .md: what was compared, the table, the headline ratios, then every round's raw figures. */
export function compareMarkdown(res: CompareResult): string {
  const m = res.machine;
  const L: string[] = [];
  L.push(`# Herald compare, ${res.startedAt}`, '');
  L.push(
    `base: \`${res.base.ref}\` = ${res.base.sha}; new: working tree at ${res.new.sha}${res.new.dirty ? ' with uncommitted changes' : ''}.`,
  );
  L.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}, load average at start ${m.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}. Options: ${JSON.stringify(res.options)}. Runtime ${Math.round(res.runtimeSeconds)} s.`,
  );
  L.push(
    '',
    `Medians over ${res.rounds.length / 2} round(s) of base, new (each on a fresh Herald as \`npm start\` runs it; load generator and receiver in their own processes, not counted):`,
    '',
  );
  L.push(compareTable(res), '');
  const x = res.ratios;
  L.push(
    `Ratios new ÷ base: cpuPerDeliveryRatio ${f(x.cpuPerDeliveryRatio, 3)}, sustainedRatio ${f(x.sustainedRatio, 3)}, p99At25Ratio ${f(x.p99At25Ratio, 3)}, idleCpuRatio ${f(x.idleCpuRatio, 3)}.`,
    '',
  );
  L.push('## Every round', '', roundsTable(res.rounds));
  L.push('');
  return L.join('\n');
}

/** One line per side per round: the raw figures the medians came from. */
export function roundsTable(rounds: readonly RoundRun<string>[]): string {
  const L = [
    '| round | side | idle ms/s (node / Temporal / PG) | e2e p50 / p95 / p99 ms | publish p99 ms | CPU ms/delivery total (node / Temporal / PG) | ladder (events/s: delivered, sustained) | sustained/s |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const run of rounds) {
    const g = run.figures;
    const i = g.idleCpuMsPerSecond;
    const c = g.cpuPerDelivery;
    const ladder = run.raw.ladder.map((s) => `${s.rate}: ${s.delivered}/${s.offeredDeliveries} ${s.sustained ? '✓' : '✗'}`).join(', ');
    L.push(
      `| ${run.round} | ${run.side} | ${f(i.total)} (${f(i.herald)} / ${f(i.temporal)} / ${f(i.postgres)}) | ${f(g.latency.p50)} / ${f(g.latency.p95)} / ${f(g.latency.p99)} | ${f(g.latency.publishP99)} | ${f(c.total, 2)} (${f(c.herald, 2)} / ${f(c.temporal, 2)} / ${f(c.postgres, 2)}) | ${ladder} | ${g.sustainedDeliveriesPerSecond} |`,
    );
  }
  return L.join('\n');
}
