import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTracing } from '../../src/observability/tracing.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type CollectedSpan, startOtlpCollector } from '../support/otlp-collector.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { waitForDelivery } from '../support/scenario.js';

/** The chain one publish must produce, root first; each span's parent is the one before it. */
const CHAIN = [
  'trpc events.publish',
  'StartWorkflow:deliveryWorkflowV2',
  'RunWorkflow:deliveryWorkflowV2',
  'StartActivity:attemptDelivery',
  'RunActivity:attemptDelivery',
  'POST',
];

describe('OpenTelemetry traces (HERALD_OTEL_ENABLED=true, OTLP/HTTP to an in-process collector)', () => {
  let h: Harness;
  let rx: Receiver;
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  beforeAll(async () => {
    collector = await startOtlpCollector();
    h = await createHarness({
      env: { HERALD_OTEL_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'herald-test' },
    });
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
    await collector?.close();
  });

  it('one publish yields one connected trace: publish → workflow start → workflow run → attempt → outbound HTTP', async () => {
    const { key } = await h.createTeam();
    const api = h.client(key);
    await api.eventTypes.create.mutate({ name: 'video.media.ready', description: 'Media ready' });
    const hook = await api.webhooks.create.mutate({ name: 'traced', url: rx.url, eventTypes: ['video.media.ready'] });
    const event = await api.events.publish.mutate({ type: 'video.media.ready', data: { traced: true } });
    await waitFor(
      async () => (await api.deliveries.get.query({ id: `delivery:${event.id}:${hook.id}` })).status === 'succeeded',
      30_000,
      'delivery succeeded',
    );

    // The publish span is the root; wait until every span of its trace has been exported.
    let trace: CollectedSpan[] = [];
    await waitFor(
      async () => {
        await flushTracing();
        const root = collector.spans.find((s) => s.name === 'trpc events.publish');
        trace = root ? collector.spans.filter((s) => s.traceId === root.traceId) : [];
        return CHAIN.every((name) => trace.some((s) => s.name === name));
      },
      30_000,
      `spans ${CHAIN.join(', ')} in one trace`,
    );

    const byName = (name: string) => trace.filter((s) => s.name === name);
    for (const name of CHAIN) expect(byName(name), name).toHaveLength(1);
    const chain = CHAIN.map((name) => byName(name)[0]!);
    expect(chain[0]!.parentSpanId).toBe('');
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.parentSpanId, `${chain[i]!.name}'s parent`).toBe(chain[i - 1]!.spanId);
    // Connected: every span of the trace hangs off another span of it, except the root.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
    expect(new Set(trace.map((s) => s.serviceName))).toEqual(new Set(['herald-test']));
    // The workflow's spans are made in the sandbox and exported through Herald's sink, with the run's identity.
    expect(chain[2]!.attributes).toMatchObject({
      temporalWorkflowId: `delivery:${event.id}:${hook.id}`,
      temporalWorkflowType: 'deliveryWorkflowV2',
    });
    const http = chain[chain.length - 1]!;
    expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    expect(http.kind).toBe(3); // SPAN_KIND_CLIENT
  });

  it('an operator signal is traced into the workflow: SignalWorkflow:cancel → HandleSignal:cancel, and the run span ends', async () => {
    const { key } = await h.createTeam();
    const api = h.client(key);
    await api.eventTypes.create.mutate({ name: 'video.media.failed', description: 'Media failed' });
    const failing = await startReceiver(() => ({ status: 500 }));
    try {
      const retryPolicy = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;
      const hook = await api.webhooks.create.mutate({ name: 'parked', url: failing.url, eventTypes: ['video.media.failed'], retryPolicy });
      const event = await api.events.publish.mutate({ type: 'video.media.failed', data: {} });
      const id = `delivery:${event.id}:${hook.id}`;
      await waitForDelivery(api, id, ['retrying']);
      await api.deliveries.cancel.mutate({ id, reason: 'traced cancel' });
      await waitForDelivery(api, id, ['cancelled']);

      const named = (name: string) => collector.spans.filter((s) => s.name === name && s.attributes.temporalWorkflowId === id);
      await waitFor(
        async () => {
          await flushTracing();
          return named('HandleSignal:cancel').length === 1 && named('RunWorkflow:deliveryWorkflowV2').length === 1;
        },
        30_000,
        'HandleSignal:cancel and the run span exported',
      );
      const handled = named('HandleSignal:cancel')[0]!;
      const sent = collector.spans.find((s) => s.spanId === handled.parentSpanId);
      expect(sent?.name).toBe('SignalWorkflow:cancel');
      const run = named('RunWorkflow:deliveryWorkflowV2')[0]!;
      // The run span hangs off the publish's trace, so its start is in the same trace.
      expect(collector.spans.some((s) => s.name === 'StartWorkflow:deliveryWorkflowV2' && s.traceId === run.traceId)).toBe(true);
      // Two attempts' spans would mean one was exported twice (sinks are not called during replay).
      expect(collector.spans.filter((s) => s.name === 'StartActivity:attemptDelivery' && s.traceId === run.traceId)).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });
});
