import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on host:port (port 0: an ephemeral one); resolves with the URL it answers on. */
export async function listenApi(server: http.Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
}

/** Stops accepting, drops open (keep-alive) connections, resolves once closed (or if it never listened). */
export async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  await closed;
}
