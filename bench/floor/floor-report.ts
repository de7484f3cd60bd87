import { compareTable, roundsTable } from '../compare/compare-report.js';
import type { FloorResult } from './floor-result.js';

const LABELS = { base: 'floor', new: 'herald', node: 'node process (Herald / floor program)' };
const f = (n: number) => (Number.isFinite(n) ? String(n) : 'n/a');

/** The medians of both sides with herald ÷ floor, as printed and written to the .md. */
export function floorTable(res: Pick<FloorResult, 'median'>): string {
  return compareTable({ median: { base: res.median.floor, new: res.median.herald } }, LABELS);
}

/** The whole .md: what ran, the table, the ratios, then every round's raw figures. */
export function floorMarkdown(res: FloorResult): string {
  const m = res.machine;
  const x = res.ratios;
  return [
    `# Herald over its floor, ${res.startedAt}`,
    '',
    `herald: the working tree at ${res.herald.sha}${res.herald.dirty ? ' with uncommitted changes' : ''}, as \`npm start\` runs it (embedded PostgreSQL and Temporal dev server). floor: bench/floor/floor-server.ts, the same Temporal dev server binary and flags, no database; one workflow per delivery running one local activity that POSTs the same body to the same receiver, started eagerly on the worker's connection, with Herald's worker settings.`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}, load average at start ${m.loadAvgAtStart.map((v) => v.toFixed(2)).join(' ')}. Options: ${JSON.stringify(res.options)}. Runtime ${Math.round(res.runtimeSeconds)} s.`,
    '',
    `Medians over ${res.rounds.length / 2} round(s) of herald, floor (each on a fresh process; load generator and receiver in their own processes, not counted; the floor has no PostgreSQL):`,
    '',
    floorTable(res),
    '',
    `Ratios herald ÷ floor: cpuPerDeliveryRatio ${f(x.cpuPerDeliveryRatio)} (50/s), cpuPerDeliveryAt25Ratio ${f(x.cpuPerDeliveryAt25Ratio)}, by process at 50/s node ${f(x.cpuPerDeliveryByProcessRatio.node)} / Temporal ${f(x.cpuPerDeliveryByProcessRatio.temporal)}, sustainedRatio ${f(x.sustainedRatio)}, p99At25Ratio ${f(x.p99At25Ratio)}, idleCpuRatio ${f(x.idleCpuRatio)}.`,
    '',
    '## Every round',
    '',
    roundsTable(res.rounds),
    '',
  ].join('\n');
}
