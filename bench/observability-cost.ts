// `npx tsx bench/observability-cost.ts`: Herald's own per-delivery CPU cost of metrics and of
// tracing, measured in one process with nothing else of Herald running, so the figure does not
// depend on how loaded the machine is (unlike `npm run bench -- --observability-compare`, which
// measures whole stacks end to end). Per delivery, Herald records: one procedure timing and one
// publish count (API), one rate-limit wait and one attempt's figures (worker); with tracing, six
// spans (publish, workflow start, workflow run, activity start, activity run, HTTP), exported
// through the real batch processor and OTLP/HTTP exporter to a discarding loopback sink. Not
// included: Temporal header propagation and the workflow sink's hop (small against a workflow task).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { countPublish, observeProcedure } from '../src/observability/api-metrics.js';
import { recordAttemptMetrics, recordRateLimitWait } from '../src/observability/attempt-metrics.js';
import { metricsText } from '../src/observability/metrics-endpoint.js';
import { flushTracing, SpanKind, startTracing, withSpan } from '../src/observability/tracing.js';

const N = Number(process.argv[2] ?? 20_000);
const ok = { ok: true as const, data: { duplicate: false } };

async function delivery(config: ReturnType<typeof loadConfig>, i: number): Promise<void> {
  const r = await observeProcedure(config, 'events.publish', async () => ok);
  countPublish(config, r);
  await withSpan('StartWorkflow:deliveryWorkflowV2', SpanKind.CLIENT, async () =>
    withSpan('RunWorkflow:deliveryWorkflowV2', SpanKind.SERVER, async () =>
      withSpan('StartActivity:attemptDelivery', SpanKind.CLIENT, async () =>
        withSpan('RunActivity:attemptDelivery', SpanKind.SERVER, async () => {
          recordRateLimitWait(config, i % 7);
          await withSpan('POST', SpanKind.CLIENT, async (span) =>
            span?.setAttributes({ 'http.request.method': 'POST', 'http.response.status_code': 200 }),
          );
          recordAttemptMetrics(config, {
            outcome: 'success',
            durationMs: 3 + (i % 50),
            status: 'succeeded',
            publishedAtMs: 0,
            endedAtMs: 40 + (i % 900),
          });
        }),
      ),
    ),
  );
}

/** CPU µs per delivery over N deliveries (user + system of this process), best of 3. */
async function measure(config: ReturnType<typeof loadConfig>): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) await delivery(config, i);
    await flushTracing();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / N);
  }
  return best;
}

const sink = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')));
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

const off = loadConfig({ HERALD_METRICS_ENABLED: 'false' });
const metrics = loadConfig({});
const traced = loadConfig({ HERALD_OTEL_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
await measure(off); // warm-up
const baseline = await measure(off);
const withMetrics = await measure(metrics);
startTracing(traced);
const withTracing = await measure(traced);
const s0 = process.cpuUsage();
const text = await metricsText();
const scrape = process.cpuUsage(s0);
sink.close();
const us = (v: number) => v.toFixed(2);
console.log(`${N} deliveries per measurement, best of 3, CPU µs per delivery in this process:`);
console.log(`  nothing recorded (metrics off, tracing off): ${us(baseline)}`);
console.log(`  metrics on:                                  ${us(withMetrics)}  (+${us(withMetrics - baseline)} µs for metrics)`);
console.log(`  metrics and tracing on (6 spans, exported):  ${us(withTracing)}  (+${us(withTracing - withMetrics)} µs for tracing)`);
console.log(`  one scrape of /metrics (${text.length} bytes): ${(scrape.user + scrape.system) / 1000} ms CPU`);
process.exit(0);
