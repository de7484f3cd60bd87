/**
 * A connector (undici's `connect` option) that reaches the receiver through an HTTP forward
 * proxy with CONNECT, and keeps the SSRF guard: Herald resolves the receiver's name itself, vets
 * every address as the direct path does (url-safety.ts), and asks the proxy to connect to the
 * vetted IP, never to the name. So the proxy cannot be pointed at an address the guard refuses,
 * and a DNS answer that changes between check and connect changes nothing (the proxy never
 * resolves). TLS to the receiver runs inside the tunnel and verifies the receiver's name
 * (`servername`), with the webhook's client certificate and CA bundle when it has them.
 *
 * The proxy itself: an http:// proxy is dialled in clear, an https:// one over TLS (verified
 * against the system store). The deployment's proxy is the operator's and is dialled as given;
 * a webhook's own proxy (`vetProxy`) is a tenant's input and must pass the guard as well.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { buildConnector } from 'undici';
import { isPublicAddress, type Resolver } from '../../security/url-safety.js';

export interface TunnelOptions {
  /** http(s)://[user:password@]host[:port]; credentials go in Proxy-Authorization (Basic). */
  proxy: string;
  resolve: Resolver;
  /** Development flag: private and loopback receivers (and proxies) allowed. */
  allowPrivate: boolean;
  /** The proxy is a tenant's (a webhook's own): its address passes the guard too. */
  vetProxy: boolean;
  /** Client certificate, key and CA bundle for TLS to the receiver (mtls receiver auth). */
  tls?: { cert?: string; key?: string; ca?: string };
  /** Budget for proxy connect, CONNECT answer and TLS handshake, ms. */
  timeoutMs: number;
}

/** Most bytes of a proxy's answer to CONNECT read before giving up on it. */
const MAX_ANSWER_BYTES = 16 * 1024;

const fail = (code: string, message: string) => Object.assign(new Error(message), { code });

/** The vetted address `host` stands for: itself when an IP literal, else its first resolved address; every one must pass. */
async function vetted(host: string, resolve: Resolver, allowPrivate: boolean): Promise<string> {
  const literal = host.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(literal) ? [literal] : await resolve(literal);
  if (!addresses.length) throw fail('ENOTFOUND', `getaddrinfo ENOTFOUND ${literal}`);
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a)))
    throw fail('EHERALDBLOCKED', `blocked: ${literal} resolves to a non-public address`);
  return addresses[0]!;
}

const authority = (ip: string, port: number) => (net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Waits for the proxy's answer to CONNECT; resolves with what came after its head (the tunnel's first bytes). */
function readConnectAnswer(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const end = seen.indexOf('\r\n\r\n');
      if (end === -1) {
        if (seen.length > MAX_ANSWER_BYTES) done(fail('EHERALDPROXY', 'proxy answer to CONNECT too long'));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(seen.subarray(0, end).toString('latin1'));
      if (!status) return done(fail('EHERALDPROXY', 'proxy answered CONNECT with something that is not HTTP'));
      if (status[1] !== '200') return done(fail('EHERALDPROXY', `proxy answered ${status[1]} to CONNECT`));
      done(null, seen.subarray(end + 4));
    };
    const onEnd = () => done(fail('ECONNRESET', 'proxy closed the connection during CONNECT'));
    const done = (err: Error | null, rest?: Buffer) => {
      socket.off('data', onData).off('error', done).off('end', onEnd);
      if (err) reject(err);
      else resolve(rest!);
    };
    socket.on('data', onData).on('error', done).on('end', onEnd);
  });
}

/** Opens a tunnel to (hostname, port) through the proxy and, for https, the TLS session inside it. */
export async function openTunnel(opts: TunnelOptions, target: { hostname: string; port: number; https: boolean }): Promise<net.Socket> {
  const proxy = new URL(opts.proxy);
  const address = await vetted(target.hostname, opts.resolve, opts.allowPrivate);
  const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const proxyAddress = opts.vetProxy ? await vetted(proxyHost, opts.resolve, opts.allowPrivate) : proxyHost;
  const raw: net.Socket =
    proxy.protocol === 'https:'
      ? tls.connect({ host: proxyAddress, port: proxyPort, servername: net.isIP(proxyHost) ? undefined : proxyHost })
      : net.connect({ host: proxyAddress, port: proxyPort });
  const timer = setTimeout(() => raw.destroy(fail('UND_ERR_CONNECT_TIMEOUT', 'proxy tunnel timed out')), opts.timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', resolve).once('error', reject);
    });
    const to = authority(address, target.port);
    const credentials = proxy.username
      ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
      : '';
    raw.write(`CONNECT ${to} HTTP/1.1\r\nHost: ${to}\r\n${credentials}\r\n`);
    const rest = await readConnectAnswer(raw);
    if (rest.length) raw.unshift(rest);
    if (!target.https) return raw;
    const name = target.hostname.replace(/^\[|\]$/g, '');
    const secure = tls.connect({
      socket: raw,
      servername: net.isIP(name) ? undefined : name,
      ALPNProtocols: ['http/1.1'],
      ...opts.tls,
    });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve).once('error', reject);
    });
    return secure;
  } catch (err) {
    raw.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The connector for undici's Agent `connect`. */
export function tunnelConnector(opts: TunnelOptions): buildConnector.connector {
  return (options, callback) => {
    const https = options.protocol === 'https:';
    const port = Number(options.port) || (https ? 443 : 80);
    openTunnel(opts, { hostname: options.hostname, port, https }).then(
      (socket) => callback(null, socket as Parameters<typeof callback>[1] & object),
      (err: Error) => callback(err, null),
    );
  };
}
