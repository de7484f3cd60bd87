import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { HeraldConfig } from '../../src/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs `src/main/worker.ts` as a separate OS process against the harness' services. */
export function startWorkerProcess(config: HeraldConfig, databaseUrl: string, env: Record<string, string> = {}) {
  return startHeraldProcess('worker', config, databaseUrl, env);
}

const READY = { worker: 'worker running', api: 'api listening' } as const;

/** Runs a Herald entry point (`src/main/<entry>.ts`) as its own OS process; resolves once it is ready. */
export async function startHeraldProcess(entry: 'worker' | 'api', config: HeraldConfig, databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = [], ipc = false) {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', `src/main/${entry}.ts`], {
    cwd: ROOT,
    env: {
      PATH: config.pathEnv,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: config.temporal.address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      HERALD_TASK_QUEUE: config.temporal.taskQueue,
      HERALD_ALLOW_PRIVATE_TARGETS: String(config.delivery.allowPrivateTargets),
      HERALD_LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  const onData = (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} process did not start:\n${lines.join('\n')}`)), 60_000);
    const check = setInterval(() => {
      if (lines.some((l) => l.includes(READY[entry]))) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`${entry} process exited (${code}):\n${lines.join('\n')}`));
    });
  });
  return {
    child,
    lines,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
