import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxyRequest {
  /** What CONNECT asked for: host:port as sent. */
  authority: string;
  /** The Proxy-Authorization header, if any. */
  authorization: string | undefined;
}

/**
 * A real HTTP forward proxy on loopback that only tunnels (CONNECT), logs every request it was
 * asked for, and optionally wants Basic credentials (407 otherwise). Plain-HTTP proxy requests
 * (absolute-form GET/POST) are refused with 405: Herald always tunnels.
 */
export async function startConnectProxy(opts: { username?: string; password?: string } = {}) {
  const requests: ProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  const expected =
    opts.username !== undefined ? `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}` : undefined;
  const server = http.createServer((_req, res) => res.writeHead(405).end('tunnels only'));
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client)).on('error', () => {});
    const authorization = req.headers['proxy-authorization'];
    requests.push({ authority: req.url ?? '', authorization });
    if (expected !== undefined && authorization !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: m[1], port: Number(m[2]) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
export type ConnectProxy = Awaited<ReturnType<typeof startConnectProxy>>;
