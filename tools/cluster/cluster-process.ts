import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import net from 'node:net';

export interface ClusterProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  alive(): boolean;
}

/**
 * Spawns one long-running server process with stdout and stderr appended to `logFile`. An
 * `exit` hook kills it if this process ends without stop(), so nothing outlives the launcher.
 */
export function spawnLogged(
  name: string,
  bin: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ClusterProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const killOnExit = () => alive() && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return {
    name,
    child,
    logFile,
    alive,
    stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (!alive()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill(signal);
      });
    },
  };
}

/** Rejects naming the first port of `ports` something on 127.0.0.1 already listens on. */
export async function assertPortsFree(ports: { port: number; what: string }[], hint: string): Promise<void> {
  for (const { port, what } of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!free) throw new Error(`port ${port} (${what}) is already in use on 127.0.0.1; ${hint}`);
  }
}
