import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const READY: Record<string, string> = { worker: 'worker running', api: 'api listening' };

export interface HeraldChild {
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `src/main/<entry>.ts` as `npm run <entry>` does (node --import tsx), in its own process
 * with `env`; resolves once it logs that it is ready (`migrate`: once it exits 0).
 */
export async function runHeraldEntry(entry: 'worker' | 'api' | 'migrate', env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<HeraldChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/main/${entry}.ts`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const killOnExit = () => !gone() && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const poll = setInterval(() => {
      if (READY[entry] && out.includes(READY[entry]!)) done();
    }, 50);
    const done = (err?: Error) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    child.once('exit', (code) => (entry === 'migrate' && code === 0 ? done() : done(new Error(`${entry} exited (${code}):\n${out}`))));
  });
  return {
    child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (gone()) return;
      const exited = new Promise((r) => child.once('exit', r));
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill(signal);
      await exited;
      clearTimeout(killer);
    },
  };
}
