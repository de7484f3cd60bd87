import type { BenchResults } from './run-bench.js';
import { ratio } from './stats.js';

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits).replace(/\.0+$/, '') : 'n/a');
/** a ÷ b as `N×`, or `1/N` when a is under a tenth of b (so small ratios do not round to 0×). */
const x = (a: number, b: number) => {
  if (a > 0 && b > 0 && a / b < 0.1) return `1/${Math.round(b / a)}`;
  const r = ratio(a, b);
  return Number.isFinite(r) ? `${r}×` : 'n/a';
};

/** The markdown summary of one run: every Herald figure beside the raw baseline of the same run. */
export function toMarkdown(r: BenchResults): string {
  const L: string[] = [];
  const c = r.ceiling;
  L.push(`# Herald benchmark, ${r.startedAt}`, '');
  L.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}. Services: ${r.services}. Options: ${JSON.stringify(r.options)}.`,
    '',
  );
  L.push('| figure | Herald | raw undici baseline | Herald ÷ raw |', '|---|---|---|---|');
  L.push(`| raw ceiling, requests/s (closed loop, ${c.concurrency} connections) | | ${f(c.perSecond)} | |`);
  if (r.ladder)
    L.push(
      `| sustained deliveries/s (flat backlog) | ${r.ladder.sustainedDeliveriesPerSecond} | ${f(c.perSecond)} | ${x(r.ladder.sustainedDeliveriesPerSecond, c.perSecond)} |`,
    );
  for (const row of r.latency ?? []) {
    const h = row.herald.endToEnd;
    const w = row.raw.endToEnd;
    L.push(
      `| end-to-end at ${row.rate} events/s: p50 / p95 / p99 / max ms | ${f(h.p50)} / ${f(h.p95)} / ${f(h.p99)} / ${f(h.max)} | ${f(w.p50)} / ${f(w.p95)} / ${f(w.p99)} / ${f(w.max)} | p50 ${x(h.p50, w.p50)}, p99 ${x(h.p99, w.p99)} |`,
    );
  }
  const po = r.publishOnly;
  if (po)
    L.push(
      `| API alone: publish with no subscriber at ${po.rate}/s, CPU ms per publish Herald / Temporal / Postgres (p99 ms) | ${f(po.cpuPerPublish.herald, 2)} / ${f(po.cpuPerPublish.temporal, 2)} / ${f(po.cpuPerPublish.postgres, 2)} (${f(po.publish.p99)}) | n/a | |`,
    );
  for (const fo of r.fanOut ?? []) {
    L.push(
      `| fan-out: 1 event → ${fo.webhooks} webhooks, deliveries/s (${fo.events} events) | ${f(fo.deliveriesPerSecond)} | ${f(c.perSecond)} | ${x(fo.deliveriesPerSecond, c.perSecond)} |`,
    );
  }
  for (const o of r.ordered ?? []) {
    L.push(
      `| ordered delivery, ${o.case}: deliveries/s (${o.events} events, 10 publishers); CPU ms/delivery Herald / Temporal / Postgres | ${f(o.deliveriesPerSecond)}; ${f(o.cpuPerDelivery.herald, 2)} / ${f(o.cpuPerDelivery.temporal, 2)} / ${f(o.cpuPerDelivery.postgres, 2)} | n/a | ÷ unordered: rate ${x(o.deliveriesPerSecond, r.ordered![0]!.deliveriesPerSecond)}, CPU ${x(o.cpuPerDelivery.total, r.ordered![0]!.cpuPerDelivery.total)} |`,
    );
  }
  const rt = r.retryTiming;
  if (rt)
    L.push(
      `| retry gap error vs ${rt.scheduledGapMs} ms schedule: p50 / p99 ms (${rt.gaps} gaps) | ${f(rt.errorMs.p50)} / ${f(rt.errorMs.p99)} | n/a | |`,
    );
  const rl = r.rateLimit;
  if (rl)
    L.push(
      `| rate limit ${rl.limitPerSecond}/s: peak in any 1 s at receiver (at sender) / mean per s | ${rl.peakInAny1s} (${rl.senderPeakInAny1s}) / ${f(rl.meanPerSecond)} | n/a | peak ÷ limit ${x(rl.peakInAny1s, rl.limitPerSecond)} |`,
    );
  const p = r.parked;
  if (p)
    L.push(
      `| ${p.parked} parked retries: worker process RSS after each 10% (MiB) | ${p.workerRssSeries.map((s) => f(s.workerRssMiB, 0)).join(' → ')}: ${f(p.workerRssGrowthMiB)} MiB growth over the last ${p.measured}; second-half slope ${f(p.workerRssSlopeSecondHalfKiB, 2)} KiB per parked | n/a | |`,
    );
  if (p)
    L.push(
      `| per parked retry: Temporal mem / disk, Postgres mem / disk | ${f(p.perParked.temporalAnonKiB, 2)} / ${f(p.perParked.temporalDiskKiB, 2)} KiB, ${f(p.perParked.postgresAnonKiB, 2)} / ${f(p.perParked.postgresDiskKiB, 2)} KiB | n/a | |`,
    );
  const cpuRow = r.latency?.find((row) => row.rate === 100) ?? r.latency?.[r.latency.length - 1];
  if (cpuRow) {
    const cp = cpuRow.herald.cpuPerDelivery;
    L.push(
      `| CPU ms per delivery at ${cpuRow.rate}/s: Herald process / Temporal / Postgres = total | ${f(cp.herald, 2)} / ${f(cp.temporal, 2)} / ${f(cp.postgres, 2)} = ${f(cp.total, 2)} | ${f(c.cpuPerRequestMs, 3)} (sender only) | ${x(cp.total, c.cpuPerRequestMs)} |`,
    );
  }
  if (r.ladder)
    L.push(
      '',
      '## Offered-rate ladder',
      '',
      '| events/s | deliveries | delivered/s | backlog slope /s | drain ms | publish p99 ms | e2e p50 / p99 ms | CPU ms/delivery (Herald/Temporal/PG) | sustained |',
      '|---|---|---|---|---|---|---|---|---|',
    );
  for (const s of r.ladder?.steps ?? []) {
    const cp = s.cpuPerDelivery;
    L.push(
      `| ${s.rate} | ${s.delivered}/${s.offeredDeliveries} | ${f(s.deliveredPerSecond)} | ${f(s.backlogSlope)} | ${f(s.drainMs, 0)} | ${f(s.publish.p99)} | ${f(s.endToEnd.p50)} / ${f(s.endToEnd.p99)} | ${f(cp.herald, 2)} / ${f(cp.temporal, 2)} / ${f(cp.postgres, 2)} | ${s.sustained ? 'yes' : 'no'} |`,
    );
  }
  const withParts = (r.ladder?.steps ?? []).filter((s) => Object.keys(s.cpuPerDelivery.parts ?? {}).length > 0);
  if (withParts.length) {
    L.push('', 'Temporal and PostgreSQL CPU ms per delivery by process:', '');
    for (const s of withParts)
      L.push(
        `- ${s.rate}/s: ${Object.entries(s.cpuPerDelivery.parts!)
          .filter(([, v]) => v >= 0.05)
          .map(([n, v]) => `${n} ${f(v, 2)}`)
          .join(', ')}`,
      );
  }
  L.push(
    '',
    'The Herald process hosts the API, the worker and the load generator, so its CPU includes publishing over HTTP. Latency is measured from the intended publish time (open model) to the arrival of the body at the receiver.',
  );
  return `${L.join('\n')}\n`;
}
