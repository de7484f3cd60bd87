import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { HeraldConfig } from '../config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Entry points that can run as their own process, and the log line that says each is ready. */
const READY = { worker: 'worker running', api: 'api listening', migrate: undefined } as const;
export type HeraldEntry = keyof typeof READY;

/** Lines of output kept per process (the newest). */
const MAX_LINES = 5_000;

export interface HeraldProcess {
  child: ChildProcess;
  /** Output lines so far, stdout and stderr interleaved, the newest MAX_LINES. */
  lines: string[];
  /** The same as one text, for a report. */
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves once it exited; SIGKILL after 20 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface HeraldProcessOptions {
  /** The child's whole environment (see heraldProcessEnv). */
  env: NodeJS.ProcessEnv;
  /** Node flags before `--import tsx` (e.g. --expose-gc). */
  nodeArgs?: string[];
  /** Open an IPC channel (the worker then takes a 'gc' message). */
  ipc?: boolean;
  /** Ready within this or the start fails, ms (default 90 s). */
  timeoutMs?: number;
}

/**
 * Runs `src/main/<entry>.ts` as `npm run <entry>` does (node --import tsx) in its own process;
 * resolves once it logs that it is ready (`migrate`: once it exited 0), rejects with its output
 * if it exits first or is not ready in time. A child still running when this process exits is
 * killed.
 */
export async function spawnHerald(entry: HeraldEntry, opts: HeraldProcessOptions): Promise<HeraldProcess> {
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', `src/main/${entry}.ts`], {
    cwd: ROOT,
    env: opts.env,
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const onData = (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const output = () => [...lines, partial].join('\n');
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const killOnExit = () => !gone() && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (gone()) return;
    const exited = new Promise((r) => child.once('exit', r));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.kill(signal);
    await exited;
    clearTimeout(killer);
  };
  const ready = READY[entry];
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearInterval(poll);
        clearTimeout(timer);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new Error(`${entry} process not ready after ${timeoutMs} ms:\n${output()}`)), timeoutMs);
      const poll = setInterval(() => {
        if (ready && lines.some((l) => l.includes(ready))) done();
      }, 50);
      const onExit = (code: number | null) =>
        !ready && code === 0 ? done() : done(new Error(`${entry} process exited (${code}):\n${output()}`));
      child.once('exit', onExit);
    });
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { child, lines, output, stop };
}

/** The environment of a Herald process against `config`'s Temporal and `databaseUrl`, plus `env`. */
export function heraldProcessEnv(config: HeraldConfig, databaseUrl: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: config.pathEnv,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    HERALD_TASK_QUEUE: config.temporal.taskQueue,
    HERALD_ALLOW_PRIVATE_TARGETS: String(config.delivery.allowPrivateTargets),
    HERALD_LOG_LEVEL: 'debug',
    ...env,
  };
}

/** `entry` as its own process against `config`'s services (tests, bench, chaos). */
export function startHeraldProcess(
  entry: 'worker' | 'api',
  config: HeraldConfig,
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  ipc = false,
): Promise<HeraldProcess> {
  return spawnHerald(entry, { env: heraldProcessEnv(config, databaseUrl, env), nodeArgs, ipc });
}

/** Runs `src/main/worker.ts` as a separate OS process against the harness' services. */
export function startWorkerProcess(config: HeraldConfig, databaseUrl: string, env: Record<string, string> = {}): Promise<HeraldProcess> {
  return startHeraldProcess('worker', config, databaseUrl, env);
}
