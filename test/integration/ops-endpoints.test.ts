import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startWorkerMetricsServer } from '../../src/observability/metrics-endpoint.js';
import { freePort } from '../support/free-port.js';
import { createHarness, type Harness } from '../support/harness.js';

const TOKEN = 'metrics-token-0123456789';

describe('/metrics and /healthz on the tenants’ port', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => h?.close());

  it('serves /metrics only with the HERALD_METRICS_TOKEN bearer token', async () => {
    const none = await fetch(`${h.apiUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toBe(
      '/metrics needs Authorization: Bearer <HERALD_METRICS_TOKEN>',
    );
    expect((await fetch(`${h.apiUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    // A tenant's API key is not the metrics token.
    const { key } = await h.createTeam();
    expect((await fetch(`${h.apiUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    const ok = await fetch(`${h.apiUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('herald_api_request_duration_seconds');
  });

  it("asks for the token on the worker's own /metrics listener too", async () => {
    const config = { ...h.config, observability: { ...h.config.observability, workerMetricsPort: await freePort() } };
    const server = await startWorkerMetricsServer(config, h.db, createLogger('warn', 'test'));
    try {
      const url = `http://127.0.0.1:${config.observability.workerMetricsPort}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await new Promise((r) => server?.close(r));
    }
  });

  it('answers a burst of /healthz with one probe of the dependencies per second', async () => {
    const service = h.temporal.workflowService;
    const original = service.describeNamespace.bind(service);
    let probes = 0;
    service.describeNamespace = ((...args: Parameters<typeof original>) => {
      probes++;
      return original(...args);
    }) as typeof service.describeNamespace;
    try {
      const t0 = Date.now();
      const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${h.apiUrl}/healthz`).then((r) => r.status)));
      for (let i = 0; i < 20; i++) answers.push((await fetch(`${h.apiUrl}/healthz`)).status);
      const seconds = Math.ceil((Date.now() - t0) / 1000);
      expect(new Set(answers)).toEqual(new Set([200]));
      // 60 answers; at most one probe per started second (plus the first).
      expect(probes).toBeGreaterThanOrEqual(1);
      expect(probes).toBeLessThanOrEqual(seconds + 1);
    } finally {
      service.describeNamespace = original;
    }
  });
});
