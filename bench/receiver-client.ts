import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Arrival, Behaviour, Request } from './receiver-process.js';
import { pollUntil } from './stats.js';

export type { Arrival, Behaviour };

type Body<T extends Request['type']> = Omit<Extract<Request, { type: T }>, 'rid'>;

/** Every IPC round trip must answer within this (ms); a silent receiver fails the run. */
const IPC_TIMEOUT_MS = 15_000;

/**
 * Forks bench/receiver-process.ts (`node --import tsx <file>`) and talks to it over IPC.
 * Replies are matched to requests by id, so calls may overlap.
 */
export async function startReceiverProcess() {
  const file = fileURLToPath(new URL('./receiver-process.ts', import.meta.url));
  const child: ChildProcess = fork(file, [], {
    execPath: process.execPath,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  let nextRid = 1;
  let exited = false;
  child.on('message', (m: Record<string, unknown>) => {
    const done = typeof m.rid === 'number' ? pending.get(m.rid) : undefined;
    if (done) {
      pending.delete(m.rid as number);
      done(m);
    }
  });
  child.once('exit', () => {
    exited = true;
  });
  // A receiver that died (e.g. Ctrl-C reaches the whole process group) closes the IPC channel;
  // a send then fails with EPIPE as an 'error' event, which must not crash the bench.
  child.on('error', () => undefined);

  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver process did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`receiver process exited (code ${code})`)));
    child.on('message', (m: { type?: string; port?: number; pid?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve({ port: m.port!, pid: m.pid! });
      }
    });
  });

  function call<T extends Request['type'], R>(type: T, body: Omit<Body<T>, 'type'> = {} as Omit<Body<T>, 'type'>): Promise<R> {
    const rid = nextRid++;
    return new Promise<R>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`receiver process is gone ('${type}' not sent)`));
      const timer = setTimeout(() => {
        pending.delete(rid);
        reject(new Error(`receiver did not answer '${type}' within ${IPC_TIMEOUT_MS} ms`));
      }, IPC_TIMEOUT_MS);
      pending.set(rid, (m) => {
        clearTimeout(timer);
        resolve(m as R);
      });
      child.send({ ...body, type, rid }, (err) => {
        if (!err) return;
        clearTimeout(timer);
        pending.delete(rid);
        reject(err);
      });
    });
  }

  const rx = {
    /** Base URL; webhooks use `${url}/<scenario>/<n>` so arrivals can be told apart by path. */
    url: `http://127.0.0.1:${ready.port}`,
    pid: ready.pid,
    async configure(behaviour: Partial<Behaviour>, resetAttempts = false): Promise<void> {
      await call('configure', { behaviour, resetAttempts });
    },
    /** Back to always-200, no latency, fresh attempt counters. */
    async reset(): Promise<void> {
      await call('configure', { behaviour: { failFirst: 0, latencyMs: 0, errorRatio: 0, errorStatus: 500 }, resetAttempts: true });
    },
    /** Arrivals (all statuses) and 2xx answers since the last take. */
    count: () => call<'count', { count: number; successes: number }>('count'),
    /** Takes (and clears) every arrival recorded since the last take. */
    take: async (): Promise<Arrival[]> => (await call<'take', { arrivals: Arrival[] }>('take')).arrivals,
    /** Polls until `n` 2xx answers (or `total` arrivals when `anyStatus`) or the timeout; true if reached. */
    waitFor: (n: number, timeoutMs: number, anyStatus = false) =>
      pollUntil(async () => {
        const c = await rx.count();
        return (anyStatus ? c.count : c.successes) >= n;
      }, timeoutMs),
    async stop(): Promise<void> {
      if (exited) return;
      if (!child.connected) {
        child.kill('SIGKILL');
        return;
      }
      const gone = new Promise((r) => child.once('exit', r));
      await call('stop').catch(() => child.kill('SIGKILL'));
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
  return rx;
}
export type ReceiverProcess = Awaited<ReturnType<typeof startReceiverProcess>>;
