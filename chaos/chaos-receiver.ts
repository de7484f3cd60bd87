import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'error' | 'hang' | 'reset' | 'slow' | 'endless' | 'huge';

/**
 * A hostile receiver on loopback. Each request draws a behaviour from `mix` (weights);
 * every arrival is recorded with its event id and what it got.
 */
export async function startChaosReceiver(mix: Partial<Record<Behaviour, number>>) {
  const arrivals: { at: number; id: string; behaviour: Behaviour }[] = [];
  const entries = Object.entries(mix) as [Behaviour, number][];
  const total = entries.reduce((a, [, w]) => a + w, 0);
  const draw = (): Behaviour => {
    let r = Math.random() * total;
    for (const [b, w] of entries) if ((r -= w) < 0) return b;
    return 'ok';
  };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const behaviour = draw();
      let id = '';
      try {
        id = JSON.parse(Buffer.concat(chunks).toString()).id;
      } catch {
        id = '?';
      }
      arrivals.push({ at: Date.now(), id, behaviour });
      switch (behaviour) {
        case 'ok':
          return res.writeHead(200).end('ok');
        case 'error':
          return res.writeHead(500 + Math.floor(Math.random() * 4)).end('boom');
        case 'hang':
          return; // never answers; the sender's timeout ends it
        case 'reset':
          return req.socket.destroy();
        case 'slow': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          let n = 0;
          const drip = () => (n++ < 10 ? (res.write('.'), later(100, drip)) : res.end());
          return drip();
        }
        case 'endless': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const pump = () => {
            if (res.destroyed) return;
            while (res.write(Buffer.alloc(16 * 1024, 'x')));
            res.once('drain', pump);
          };
          return pump();
        }
        case 'huge':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(Buffer.alloc(10 * 1024 * 1024, 'h'));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
