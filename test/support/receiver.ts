import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body exactly as received (fidelity tests compare bytes, not decoded text). */
  bytes: Buffer;
}

export type Responder = (
  arrival: Arrival,
  index: number,
) =>
  | { status: number; headers?: Record<string, string>; body?: string }
  | Promise<{ status: number; headers?: Record<string, string>; body?: string }>;

/** A real HTTP receiver on loopback that records every arrival. */
export async function startReceiver(respond: Responder = () => ({ status: 200, body: 'ok' })) {
  const arrivals: Arrival[] = [];
  let responder = respond;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const bytes = Buffer.concat(chunks);
      const arrival: Arrival = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: bytes.toString('utf8'),
        bytes,
      };
      arrivals.push(arrival);
      const r = await responder(arrival, arrivals.length - 1);
      res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers }).end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    arrivals,
    setResponder(r: Responder) {
      responder = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Polls `check` until it returns a truthy value or the time is up. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 20_000, label = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
