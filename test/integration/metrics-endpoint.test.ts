import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startWorkerProcess } from '../../src/app/herald-process.js';
import { declaredNames, sampleSum, scrape } from '../support/prom-text.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';

const HERALD_SERIES = [
  'herald_events_published_total',
  'herald_delivery_attempts_total',
  'herald_delivery_attempt_duration_seconds',
  'herald_deliveries_completed_total',
  'herald_end_to_end_seconds',
  'herald_rate_limit_wait_seconds',
  'herald_deliveries_retrying',
  'herald_api_request_duration_seconds',
];

async function setUpTeam(h: Harness, receiverUrl: string, retrying = false) {
  const { key } = await h.createTeam();
  const api = h.client(key);
  await api.eventTypes.create.mutate({ name: 'video.media.ready', description: 'Media ready' });
  const hook = await api.webhooks.create.mutate({
    name: 'metrics',
    url: receiverUrl,
    eventTypes: ['video.media.ready'],
    ...(retrying ? { retryPolicy: { kind: 'attempts' as const, maxAttempts: 50, intervalSeconds: 3600 } } : {}),
  });
  return { api, hook };
}

describe('GET /metrics on the API process (API and worker in one process, as npm start)', () => {
  let h: Harness;
  let ok: Receiver;
  let failing: Receiver;
  beforeAll(async () => {
    h = await createHarness();
    ok = await startReceiver();
    failing = await startReceiver(() => ({ status: 503, body: 'down' }));
  });
  afterAll(async () => {
    await ok?.close();
    await failing?.close();
    await h?.close();
  });

  it("answers in Prometheus text with every Herald series and the Temporal SDK's runtime series", async () => {
    const m = await scrape(`${h.apiUrl}/metrics`);
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const names = declaredNames(m.text);
    expect(HERALD_SERIES.filter((n) => !names.has(n))).toEqual([]);
    // The SDK's own series (proxied from its loopback listener), e.g. worker task slots.
    expect([...names].some((n) => n.startsWith('temporal_'))).toBe(true);
  });

  it('counts a publish, its attempt, its completion and its end-to-end time as one delivery succeeds', async () => {
    const before = (await scrape(`${h.apiUrl}/metrics`)).samples;
    const { api, hook } = await setUpTeam(h, ok.url);
    const event = await api.events.publish.mutate({ type: 'video.media.ready', data: { n: 1 } });
    await waitFor(
      async () => (await api.deliveries.get.query({ id: `delivery:${event.id}:${hook.id}` })).status === 'succeeded',
      30_000,
      'delivery succeeded',
    );
    const after = (await scrape(`${h.apiUrl}/metrics`)).samples;
    const delta = (name: string, labels: Record<string, string> = {}) => sampleSum(after, name, labels) - sampleSum(before, name, labels);
    expect(delta('herald_events_published_total', { result: 'accepted' })).toBe(1);
    expect(delta('herald_delivery_attempts_total', { outcome: 'success' })).toBe(1);
    expect(delta('herald_delivery_attempt_duration_seconds_count')).toBe(1);
    expect(delta('herald_deliveries_completed_total', { status: 'succeeded' })).toBe(1);
    expect(delta('herald_end_to_end_seconds_count')).toBe(1);
    expect(delta('herald_end_to_end_seconds_sum')).toBeGreaterThan(0);
    expect(delta('herald_rate_limit_wait_seconds_count')).toBe(1);
    expect(delta('herald_api_request_duration_seconds_count', { procedure: 'events.publish', code: 'OK' })).toBe(1);
  });

  it('labels a rejected publish and an unauthenticated call by their error codes', async () => {
    const before = (await scrape(`${h.apiUrl}/metrics`)).samples;
    const { api } = await setUpTeam(h, ok.url);
    await expect(api.events.publish.mutate({ type: 'no.such.type', data: {} })).rejects.toThrow(/unknown event type/);
    await expect(h.client('hk_wrong').events.list.query()).rejects.toThrow(/invalid or revoked API key/);
    const after = (await scrape(`${h.apiUrl}/metrics`)).samples;
    const delta = (name: string, labels: Record<string, string>) => sampleSum(after, name, labels) - sampleSum(before, name, labels);
    expect(delta('herald_events_published_total', { result: 'rejected' })).toBe(1);
    expect(delta('herald_api_request_duration_seconds_count', { procedure: 'events.publish', code: 'BAD_REQUEST' })).toBe(1);
    expect(delta('herald_api_request_duration_seconds_count', { procedure: 'events.list', code: 'UNAUTHORIZED' })).toBe(1);
  });

  it('shows a delivery waiting for its retry in herald_deliveries_retrying, counted from the deliveries table', async () => {
    const { api, hook } = await setUpTeam(h, failing.url, true);
    const event = await api.events.publish.mutate({ type: 'video.media.ready', data: { n: 2 } });
    await waitFor(
      async () => (await api.deliveries.get.query({ id: `delivery:${event.id}:${hook.id}` })).status === 'retrying',
      30_000,
      'delivery retrying',
    );
    const retryingRows = Number(
      (
        await h.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', '=', 'retrying')
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(retryingRows).toBeGreaterThanOrEqual(1);
    // The gauge is cached for a few seconds; it must reach the table's count.
    const gauge = await waitFor(
      async () => {
        const v = sampleSum((await scrape(`${h.apiUrl}/metrics`)).samples, 'herald_deliveries_retrying');
        return v === retryingRows ? v : undefined;
      },
      20_000,
      'herald_deliveries_retrying to reach the table count',
    );
    expect(gauge).toBe(retryingRows);
    const attempts = sampleSum((await scrape(`${h.apiUrl}/metrics`)).samples, 'herald_delivery_attempts_total', { outcome: 'retryable' });
    expect(attempts).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics on a worker-only process (npm run worker, HERALD_WORKER_METRICS_PORT)', () => {
  let h: Harness;
  let rx: Receiver;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
  let metricsUrl: string;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    rx = await startReceiver();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = await startWorkerProcess(h.config, h.config.databaseUrl!, { HERALD_WORKER_METRICS_PORT: String(port) });
  });
  afterAll(async () => {
    await worker?.stop();
    await rx?.close();
    await h?.close();
  });

  it("answers on the worker's own port and its attempt counters move as that worker delivers", async () => {
    const first = await scrape(metricsUrl);
    expect(first.status).toBe(200);
    const names = declaredNames(first.text);
    expect(HERALD_SERIES.filter((n) => !names.has(n))).toEqual([]);
    expect([...names].some((n) => n.startsWith('temporal_'))).toBe(true);
    expect(sampleSum(first.samples, 'herald_delivery_attempts_total')).toBe(0);

    const { api, hook } = await setUpTeam(h, rx.url);
    const event = await api.events.publish.mutate({ type: 'video.media.ready', data: { n: 3 } });
    await waitFor(
      async () => (await api.deliveries.get.query({ id: `delivery:${event.id}:${hook.id}` })).status === 'succeeded',
      30_000,
      'delivery succeeded',
    );
    const after = (await scrape(metricsUrl)).samples;
    expect(sampleSum(after, 'herald_delivery_attempts_total', { outcome: 'success' })).toBe(1);
    expect(sampleSum(after, 'herald_deliveries_completed_total', { status: 'succeeded' })).toBe(1);
    expect(sampleSum(after, 'herald_end_to_end_seconds_count')).toBe(1);
    // Workflow tasks ran in that process: the SDK's series count them.
    expect(after.some((s) => s.name.startsWith('temporal_') && s.value > 0)).toBe(true);
  });

  it('answers 404 naming the one route for any other path on the worker port', async () => {
    const res = await fetch(metricsUrl.replace('/metrics', '/trpc/events.list'));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('GET /metrics');
  });
});
