import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { heraldRegistry } from '../../src/observability/metrics.js';
import { metricNamesIn } from '../support/promql-names.js';

const DASHBOARD = path.resolve(import.meta.dirname, '../../docs/grafana/herald-dashboard.json');

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

/** Every series name Herald's registry exposes (histograms as their _bucket, _sum and _count series). */
function exposedNames(): Set<string> {
  const names = new Set<string>();
  for (const m of heraldRegistry.getMetricsAsArray()) {
    const { name, type } = m as unknown as { name: string; type: string };
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

describe('the Grafana dashboard (docs/grafana/herald-dashboard.json)', () => {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('has the panels an operator looks at first', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase());
    for (const want of ['throughput', 'success ratio', 'end-to-end', 'retry backlog', 'attempt latency']) {
      expect(
        titles.some((t) => t.includes(want)),
        want,
      ).toBe(true);
    }
  });

  it("queries only metric names that exist in Herald's registry", () => {
    const known = exposedNames();
    expect(exprs.length).toBeGreaterThan(0);
    const unknown = exprs.flatMap(({ panel, expr }) => [...metricNamesIn(expr)].filter((n) => !known.has(n)).map((n) => `${panel}: ${n}`));
    expect(unknown).toEqual([]);
    // Every Herald series appears on the dashboard at least once.
    const used = new Set(exprs.flatMap(({ expr }) => [...metricNamesIn(expr)]));
    const base = (n: string) => n.replace(/_(bucket|sum|count)$/, '');
    const unused = heraldRegistry
      .getMetricsAsArray()
      .map((m) => (m as unknown as { name: string }).name)
      .filter((n) => n.startsWith('herald_') && ![...used].some((u) => base(u) === n || u === n));
    expect(unused).toEqual([]);
  });

  it('the name check finds a misspelt metric, a label-only word does not count as one', () => {
    expect([...metricNamesIn('sum by (le, status) (rate(herald_deliverys_completed_total{status="succeeded"}[5m]))')]).toEqual([
      'herald_deliverys_completed_total',
    ]);
    expect([
      ...metricNamesIn(
        'histogram_quantile(0.99, sum without (procedure) (rate(herald_api_request_duration_seconds_bucket[$__rate_interval]))) > bool 1e3',
      ),
    ]).toEqual(['herald_api_request_duration_seconds_bucket']);
  });
});
