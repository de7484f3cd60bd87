import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTunnel, tunnelConnector } from '../../src/core/attempt/egress-tunnel.js';
import { classifyNetworkError, sendAttempt } from '../../src/core/attempt/send-attempt.js';
import { type ConnectProxy, startConnectProxy } from '../support/connect-proxy.js';
import { mapResolver } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { makeTestPki, type TestPki } from '../support/test-pki.js';

/** The CONNECT tunnel against a real loopback proxy and receivers (no Temporal needed). */
describe('egress through a CONNECT proxy', () => {
  let proxy: ConnectProxy;
  let authProxy: ConnectProxy;
  let rx: Receiver;
  let pki: TestPki;
  let tlsRx: https.Server;
  let tlsPort: number;
  const resolve = mapResolver({ 'receiver.test': ['127.0.0.1'], 'evil.test': ['10.0.0.7'], localhost: ['127.0.0.1'] });

  beforeAll(async () => {
    proxy = await startConnectProxy();
    authProxy = await startConnectProxy({ username: 'px', password: 'p@ss' });
    rx = await startReceiver();
    pki = makeTestPki();
    tlsRx = https.createServer({ cert: pki.server.cert, key: pki.server.key }, (_req, res) => res.end('tls ok'));
    await new Promise<void>((r) => tlsRx.listen(0, '127.0.0.1', r));
    tlsPort = (tlsRx.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all([proxy?.close(), authProxy?.close(), rx?.close()]);
    tlsRx?.closeAllConnections();
    await new Promise((r) => tlsRx?.close(r));
  });

  const agent = (proxyUrl: string, allowPrivate: boolean, tls?: { ca?: string }) =>
    new Agent({
      connect: tunnelConnector({ proxy: proxyUrl, resolve, allowPrivate, vetProxy: false, timeoutMs: 5_000, ...(tls ? { tls } : {}) }),
    });

  it('delivers through the proxy, which is asked for the vetted address, never the name', async () => {
    const before = proxy.requests.length;
    const res = await sendAttempt(agent(proxy.url, true), {
      url: `http://receiver.test:${rx.port}/hook/p`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
      timeoutMs: 5_000,
      maxResponseBytes: 1024,
    });
    expect(res).toMatchObject({ statusCode: 200 });
    expect(rx.arrivals.at(-1)).toMatchObject({ path: '/hook/p', body: '{"n":1}' });
    expect(rx.arrivals.at(-1)!.headers.host).toBe(`receiver.test:${rx.port}`);
    expect(proxy.requests.slice(before).map((r) => r.authority)).toEqual([`127.0.0.1:${rx.port}`]);
  });

  it('blocks a name that resolves to a refused address before the proxy is asked', async () => {
    const before = proxy.requests.length;
    const res = await sendAttempt(agent(proxy.url, false), {
      url: `https://evil.test/hook`,
      method: 'POST',
      headers: {},
      body: '{}',
      timeoutMs: 5_000,
      maxResponseBytes: 1024,
    });
    expect(res.error).toMatchObject({ kind: 'blocked' });
    expect(res.statusCode).toBeUndefined();
    await expect(
      openTunnel(
        { proxy: proxy.url, resolve, allowPrivate: false, vetProxy: false, timeoutMs: 5_000 },
        { hostname: '10.1.2.3', port: 443, https: true },
      ),
    ).rejects.toMatchObject({ code: 'EHERALDBLOCKED' });
    expect(proxy.requests.length).toBe(before);
  });

  it('verifies the receiver’s name and certificate inside the tunnel, against the given CA', async () => {
    const ok = await request(`https://localhost:${tlsPort}/`, { dispatcher: agent(proxy.url, true, { ca: pki.ca.cert }) });
    expect(await ok.body.text()).toBe('tls ok');
    expect(proxy.requests.at(-1)!.authority).toBe(`127.0.0.1:${tlsPort}`);
    const refused = await request(`https://localhost:${tlsPort}/`, { dispatcher: agent(proxy.url, true, { ca: pki.otherCa.cert }) }).catch(
      (e) => e,
    );
    expect(classifyNetworkError(refused).kind).toBe('tls');
  });

  it('sends the proxy URL’s credentials as Proxy-Authorization, and reports a 407 plainly', async () => {
    const good = await sendAttempt(agent(`http://px:p%40ss@127.0.0.1:${authProxy.port}`, true), {
      url: `http://receiver.test:${rx.port}/hook/auth`,
      method: 'POST',
      headers: {},
      body: '{}',
      timeoutMs: 5_000,
      maxResponseBytes: 1024,
    });
    expect(good.statusCode).toBe(200);
    expect(authProxy.requests.at(-1)!.authorization).toBe(`Basic ${Buffer.from('px:p@ss').toString('base64')}`);
    await expect(
      openTunnel(
        { proxy: authProxy.url, resolve, allowPrivate: true, vetProxy: false, timeoutMs: 5_000 },
        { hostname: 'receiver.test', port: rx.port, https: false },
      ),
    ).rejects.toMatchObject({ code: 'EHERALDPROXY', message: 'proxy answered 407 to CONNECT' });
  });

  it('vets a webhook’s own proxy like a target', async () => {
    const before = proxy.requests.length;
    await expect(
      openTunnel(
        { proxy: 'http://evil.test:3128', resolve, allowPrivate: false, vetProxy: true, timeoutMs: 5_000 },
        { hostname: '93.184.216.34', port: 443, https: true },
      ),
    ).rejects.toMatchObject({ code: 'EHERALDBLOCKED' });
    expect(proxy.requests.length).toBe(before);
  });
});
