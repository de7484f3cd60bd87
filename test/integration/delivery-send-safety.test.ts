import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';
import type { Resolver } from '../../src/security/url-safety.js';

describe('send-time safety with the secure default (no private targets)', () => {
  let h: Harness;
  const lookups: string[] = [];
  // First answer public (passes the create-time check), then loopback: a DNS-rebinding attack.
  const resolve: Resolver = async (host) => {
    lookups.push(host);
    if (host === 'rebind.example') return lookups.filter((x) => x === host).length === 1 ? ['93.184.215.14'] : ['127.0.0.1'];
    throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_ALLOW_PRIVATE_TARGETS: 'false' }, resolve });
  });
  afterAll(async () => h?.close());

  it('blocks a name that rebinds to 127.0.0.1 at send time, without retrying', async () => {
    const t = await teamWithType(h);
    const w = await t.api.webhooks.create.mutate({
      name: 'rebind',
      url: 'https://rebind.example/hook',
      eventTypes: [t.type],
      retryPolicy: { kind: 'attempts', maxAttempts: 5, intervalSeconds: 1, backoff: 'fixed' },
    });
    const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed']);
    expect(d.attemptRecords).toHaveLength(1);
    expect(d.attemptRecords[0]!.error).toMatchObject({ kind: 'blocked' });
    expect(d.attemptRecords[0]!.responseStatusCode).toBeNull();
    expect(d.reason).toContain('not allowed');
  });
});

describe('receiver responses are bounded', () => {
  let h: Harness;
  let huge: http.Server;
  let hugeUrl: string;
  beforeAll(async () => {
    h = await createHarness();
    huge = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', server: 'huge/1.0', 'x-secret-internal': 'nope' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => huge.listen(0, '127.0.0.1', r));
    hugeUrl = `http://127.0.0.1:${(huge.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    huge?.closeAllConnections();
    huge?.close();
    await h?.close();
  });

  it('keeps at most 4 KiB of a 10 MB response and only the listed headers', async () => {
    const t = await teamWithType(h);
    const w = await t.api.webhooks.create.mutate({ name: 'huge', url: hugeUrl, eventTypes: [t.type] });
    const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded']);
    const a = d.attemptRecords[0]!;
    expect(a.responseBody.length).toBe(4096);
    expect(a.responseHeaders).toMatchObject({ 'content-type': 'text/plain', server: 'huge/1.0' });
    expect(a.responseHeaders).not.toHaveProperty('x-secret-internal');
  });

  it('does not follow redirects', async () => {
    const target = await startReceiver();
    const redirector = await startReceiver(() => ({ status: 302, headers: { location: target.url } }));
    try {
      const t = await teamWithType(h, 'redirect.test');
      const w = await t.api.webhooks.create.mutate({
        name: 'redir',
        url: redirector.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'window', windowMinutes: 0 },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['failed']);
      expect(d.attemptRecords[0]!.responseStatusCode).toBe(302);
      expect(target.arrivals).toHaveLength(0);
    } finally {
      await Promise.all([target.close(), redirector.close()]);
    }
  });
});
