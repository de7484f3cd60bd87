import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture-output.js';
import { createHarness, type Harness, mapResolver } from '../support/harness.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';
import { searchableHistory } from '../support/searchable-history.js';

const once = { kind: 'attempts', maxAttempts: 1, intervalSeconds: 1, backoff: 'fixed' } as const;

/**
 * Deliveries through HERALD_EGRESS_PROXY and a webhook's own proxy: real Temporal and
 * PostgreSQL, a real CONNECT proxy on loopback that logs what it was asked for. The receiver is
 * named `receiver.test` (resolved by the test's resolver to 127.0.0.1), so the log shows whether
 * Herald sent the proxy a name or the address it vetted. The guard refusing a name before the
 * proxy is asked is test/unit/egress-tunnel.test.ts (this harness has the development flag on).
 */
describe('egress through a forward proxy', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  let deployment: ConnectProxy;
  let own: ConnectProxy;
  let rx: Receiver;
  const proxyPassword = `pp_${randomBytes(8).toString('hex')}`;
  const output = captureOutput();

  beforeAll(async () => {
    output.start();
    deployment = await startConnectProxy();
    own = await startConnectProxy({ username: 'tenant', password: proxyPassword });
    rx = await startReceiver();
    h = await createHarness({
      env: {
        HERALD_EGRESS_PROXY: deployment.url,
        HERALD_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
        HERALD_LOG_LEVEL: 'debug',
      },
      resolve: mapResolver({ 'receiver.test': ['127.0.0.1'], localhost: ['127.0.0.1'] }),
    });
    t = await teamWithType(h);
  });
  afterAll(async () => {
    output.stop();
    await h?.close();
    await Promise.all([deployment?.close(), own?.close(), rx?.close()]);
  });

  const typeOf = new Map<string, string>();
  async function hook(name: string, egressProxy?: string) {
    const type = `proxy.${name}`;
    await t.api.eventTypes.create.mutate({ name: type, description: '' });
    const w = await t.api.webhooks.create.mutate({
      name,
      url: `http://receiver.test:${rx.port}/hook/${name}`,
      eventTypes: [type],
      retryPolicy: once,
      ...(egressProxy !== undefined ? { egressProxy } : {}),
    });
    typeOf.set(w.id, type);
    return w;
  }
  async function publishTo(webhookId: string, statuses = ['succeeded']) {
    const e = await t.api.events.publish.mutate({ type: typeOf.get(webhookId)!, data: {} });
    return waitForDelivery(t.api, deliveryIdOf(e.id, webhookId), statuses, 30_000);
  }
  const arrived = (name: string) => rx.arrivals.filter((a) => a.path === `/hook/${name}`);

  it('sends a plain webhook through HERALD_EGRESS_PROXY, asking it only for the vetted address', async () => {
    const w = await hook('deployment');
    expect(w.egressProxy).toBeNull();
    const d = await publishTo(w.id);
    expect(d.attemptRecords).toMatchObject([{ responseStatusCode: 200 }]);
    expect(arrived('deployment')).toHaveLength(1);
    expect(arrived('deployment')[0]!.headers.host).toBe(`receiver.test:${rx.port}`);
    expect(deployment.requests.length).toBeGreaterThanOrEqual(1);
    expect(new Set(deployment.requests.map((r) => r.authority))).toEqual(new Set([`127.0.0.1:${rx.port}`]));
  });

  it("goes around the deployment's proxy for a webhook set to 'direct'", async () => {
    const w = await hook('direct', 'direct');
    expect(w.egressProxy).toBe('direct');
    const before = deployment.requests.length;
    await publishTo(w.id);
    expect(arrived('direct')).toHaveLength(1);
    expect(deployment.requests.length).toBe(before);
  });

  it("uses a webhook's own proxy with its credentials, shown masked and stored sealed", async () => {
    const w = await hook('own', `http://tenant:${proxyPassword}@127.0.0.1:${own.port}`);
    expect(w.egressProxy).toBe(`http://***@127.0.0.1:${own.port}`);
    const before = deployment.requests.length;
    await publishTo(w.id);
    expect(arrived('own')).toHaveLength(1);
    expect(own.requests.at(-1)).toEqual({
      authority: `127.0.0.1:${rx.port}`,
      authorization: `Basic ${Buffer.from(`tenant:${proxyPassword}`).toString('base64')}`,
    });
    expect(deployment.requests.length).toBe(before);
    const row = await h.db.selectFrom('webhooks').select('egress_proxy').where('id', '=', w.id).executeTakeFirstOrThrow();
    expect(row.egress_proxy).toMatchObject({ mode: 'proxy', sealed: expect.stringMatching(/^enc:v1:k1:/) });
    expect(JSON.stringify(row).includes(proxyPassword)).toBe(false);
  });

  it('records a proxy that refuses the tunnel as a connect error, with nothing delivered', async () => {
    const w = await hook('refused', `http://tenant:wrong@127.0.0.1:${own.port}`);
    const d = await publishTo(w.id, ['failed']);
    expect(d.attemptRecords).toMatchObject([
      { responseStatusCode: null, error: { kind: 'connect', message: expect.stringContaining('proxy answered 407 to CONNECT') } },
    ]);
    expect(arrived('refused')).toHaveLength(0);
  });

  it("keeps the proxy's password out of logs, histories and API answers", async () => {
    const ids: string[] = [];
    for await (const wf of h.temporal.workflow.list({ query: `TaskQueue = "${h.config.temporal.taskQueue}"` })) ids.push(wf.workflowId);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    const histories = await Promise.all(ids.map(async (id) => searchableHistory(await h.temporal.workflow.getHandle(id).fetchHistory())));
    const answers = JSON.stringify(await t.api.webhooks.list.query({}));
    expect(answers).toContain('***@127.0.0.1');
    const corpus = [...histories, output.text(), answers].join('\n');
    expect(corpus).toContain('responseStatusCode');
    for (const s of [proxyPassword, Buffer.from(`tenant:${proxyPassword}`).toString('base64')]) expect(corpus.includes(s)).toBe(false);
  });
});
