import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A receiver on loopback that reads each request and never answers (Herald gives up at its
 * delivery timeout and closes the connection). It counts requests open at once, so the
 * noisy-neighbour scenario can check the per-webhook concurrency cap at the receiver.
 */
export async function startHangingReceiver() {
  let open = 0;
  let maxOpen = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req) => {
    requests++;
    maxOpen = Math.max(maxOpen, ++open);
    let closed = false;
    const done = () => {
      if (!closed) open--;
      closed = true;
    };
    req.resume();
    req.socket.once('close', done);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stats: () => ({ requests, open, maxOpen }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
