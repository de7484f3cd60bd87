import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

// The benchmark's webhook receiver. It runs in its own process (forked by receiver-client.ts)
// so its CPU is not charged to Herald and its event loop does not compete with the worker's.
// Keep-alive HTTP/1.1 on 127.0.0.1; records every arrival; behaviour is set over IPC.
// It exits on its own when the parent goes away (IPC disconnect), so no receiver outlives a run.

export interface Behaviour {
  /** Answer 500 to the first k attempts of each delivery (key: path + event id). */
  failFirst: number;
  /** Delay before answering, ms. */
  latencyMs: number;
  /** Share (0–1) of answers that are `errorStatus`, spread evenly (deterministic, no RNG). */
  errorRatio: number;
  errorStatus: 429 | 500;
}

export interface Arrival {
  /** Event id from the JSON body (`id`); '' if the body was not JSON. */
  id: string;
  path: string;
  status: number;
  /** 1-based attempt number of this delivery as seen here. */
  attempt: number;
  /** Epoch ms (Date.now()) when the body had fully arrived. */
  at: number;
  /** Epoch ms with sub-ms precision from the monotonic clock (timeOrigin + performance.now()). */
  hr: number;
  /** Epoch ms the load generator intended to send the event (`data.sentAt`); NaN if absent. */
  sentAt: number;
}

export type Request =
  | { rid: number; type: 'configure'; behaviour: Partial<Behaviour>; resetAttempts?: boolean }
  | { rid: number; type: 'count' }
  | { rid: number; type: 'take' }
  | { rid: number; type: 'stop' };

const DEFAULT: Behaviour = { failFirst: 0, latencyMs: 0, errorRatio: 0, errorStatus: 500 };
let behaviour: Behaviour = { ...DEFAULT };
let arrivals: Arrival[] = [];
let successes = 0;
let answered = 0;
const attempts = new Map<string, number>();
const hrNow = () => performance.timeOrigin + performance.now();

function decide(key: string): { status: number; attempt: number } {
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, attempt);
  if (attempt <= behaviour.failFirst) return { status: 500, attempt };
  // Even spreading: answer n is an error when floor((n+1)·r) > floor(n·r).
  const n = answered++;
  if (behaviour.errorRatio > 0 && Math.floor((n + 1) * behaviour.errorRatio) > Math.floor(n * behaviour.errorRatio)) {
    return { status: behaviour.errorStatus, attempt };
  }
  return { status: 200, attempt };
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const hr = hrNow();
    const at = Date.now();
    let id = '';
    let sentAt = Number.NaN;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; data?: { sentAt?: unknown } };
      id = typeof body.id === 'string' ? body.id : '';
      if (typeof body.data?.sentAt === 'number') sentAt = body.data.sentAt;
    } catch {
      /* not JSON: still an arrival */
    }
    const path = req.url ?? '';
    const { status, attempt } = decide(`${path} ${id}`);
    if (status === 200) successes++;
    arrivals.push({ id, path, status, attempt, at, hr, sentAt });
    const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    if (behaviour.latencyMs > 0) setTimeout(answer, behaviour.latencyMs);
    else answer();
  });
});
// Keep connections open across the whole run (Herald's and the baseline's agents keep alive).
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

function reply(msg: Record<string, unknown>): void {
  if (process.connected) process.send!(msg);
}

process.on('message', (msg: Request) => {
  switch (msg.type) {
    case 'configure':
      behaviour = { ...behaviour, ...msg.behaviour };
      if (msg.resetAttempts) {
        attempts.clear();
        answered = 0;
      }
      reply({ rid: msg.rid, ok: true });
      break;
    case 'count':
      reply({ rid: msg.rid, count: arrivals.length, successes });
      break;
    case 'take': {
      // Hand over what arrived so far and forget it (attempt counters are kept).
      const taken = arrivals;
      arrivals = [];
      successes = 0;
      reply({ rid: msg.rid, arrivals: taken });
      break;
    }
    case 'stop':
      server.closeAllConnections();
      server.close(() => {
        reply({ rid: msg.rid, ok: true });
        process.exit(0);
      });
      break;
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => reply({ type: 'ready', port: (server.address() as AddressInfo).port, pid: process.pid }));
