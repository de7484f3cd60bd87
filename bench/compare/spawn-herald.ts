import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/support/free-port.js';
import { findServicePids } from '../proc-stats.js';
import { heraldEnv, parseStartOutput, type StartOutput } from './start-output.js';

/** Startup bound: a fresh data dir means initdb plus the Temporal dev server's first start. */
const START_TIMEOUT_MS = 180_000;
/** After SIGINT, how long Herald gets to stop its servers before its process group is killed. */
const STOP_TIMEOUT_MS = 30_000;
/** Output lines kept for error messages. */
const TAIL_LINES = 60;

export interface SpawnedHerald {
  /** Pid of the Herald node process (the API, worker and sweeper; parent of Temporal and PostgreSQL). */
  pid: number;
  apiUrl: string;
  apiKey: string;
  /** Spawn to "Herald is running", s. */
  startupSeconds: number;
  /** The last lines it printed (stdout and stderr). */
  tail: () => string;
  /** How it ended ("exit code 1", "signal SIGKILL"), or undefined while it runs. */
  ended: () => string | undefined;
  /** SIGINT, wait for exit (≤ 30 s, then SIGKILL to its process group), remove the data dir. Idempotent. */
  stop: () => Promise<void>;
}

/** True while `pid` runs a program whose name starts with `prefix` (guards against pid reuse). */
function runs(pid: number, prefix: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith(prefix);
  } catch {
    return false;
  }
}

/**
 * node's arguments from the tree's own `npm start` script (`node [flags] <entry>`), so each side
 * runs with the runtime flags it ships; `--import tsx src/main/start.ts` if it has no such script.
 */
export function startArgs(tree: string): string[] {
  const fallback = ['--import', 'tsx', 'src/main/start.ts'];
  try {
    const start: unknown = JSON.parse(readFileSync(path.join(tree, 'package.json'), 'utf8')).scripts?.start;
    const words = typeof start === 'string' ? start.trim().split(/\s+/) : [];
    return words[0] === 'node' && words.length > 1 && words.every((w) => !/[;&|<>$`'"]/.test(w)) ? words.slice(1) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Runs `tree` as `npm start` would (its start script's node arguments, cwd = tree), but
 * spawning node directly so the pid is Herald's own, in its own process group so that a stuck
 * shutdown can be ended as a whole. Resolves once it printed "Herald is running" and the
 * first-start API key; on failure everything it started is stopped before the error is thrown.
 * `track` gets the stop function as soon as the process exists (so a Ctrl-C during startup can
 * stop it too).
 */
export async function spawnHerald(
  tree: string,
  label: string,
  say: (line: string) => void,
  track: (stop: () => Promise<void>) => void = () => undefined,
  /** Settings of this run on top of the bench's own (the observability compare's variants). */
  extraEnv: Record<string, string> = {},
  /**
   * Another program in Herald's place (the bench's floor): node's arguments (run in `tree`) and
   * how its stdout says it is running. Default: the tree's `npm start` and its start output.
   */
  program: { args: string[]; parse: (stdout: string) => StartOutput } = { args: startArgs(tree), parse: parseStartOutput },
): Promise<SpawnedHerald> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-compare-data-'));
  await fs.chmod(dataDir, 0o755); // the embedded postgres runs as the `postgres` user when we are root
  const apiPort = await freePort();
  const env = {
    ...heraldEnv(process.env, {
      dataDir,
      apiPort,
      pgPort: await freePort(),
      temporalPort: await freePort(),
      temporalUiPort: await freePort(),
    }),
    ...extraEnv,
  };
  const t0 = Date.now();
  const child: ChildProcess = spawn(process.execPath, program.args, {
    cwd: tree,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw new Error(`${label}: could not spawn node in ${tree}`);
  }
  let stdout = '';
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    lines.push(
      ...b
        .toString()
        .split('\n')
        .filter((l) => l.trim()),
    );
    if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
  };
  child.stdout!.on('data', (b: Buffer) => {
    if (stdout.length < 100_000) stdout += b.toString();
    keep(b);
  });
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const tail = () => lines.join('\n');

  // The servers it started, remembered in case it dies without stopping them (once it is gone,
  // they are no longer its descendants and cannot be found from its pid).
  const services = new Map<number, string>();
  const remember = () => {
    if (hasExited()) return;
    const found = findServicePids(pid);
    for (const p of found.temporal) services.set(p, 'temporal');
    for (const p of found.postgres) services.set(p, 'postgres');
  };

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      remember();
      if (!hasExited()) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          /* already gone */
        }
        const inTime = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS)),
        ]);
        if (!inTime) {
          say(`${label}: Herald did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGINT; SIGKILL to its process group`);
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            /* gone meanwhile */
          }
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        }
      }
      const left = [...services].filter(([p, prefix]) => runs(p, prefix)).map(([p]) => p);
      if (left.length) {
        say(`${label}: ${left.length} Temporal/PostgreSQL process(es) outlived Herald (${left.join(', ')}); SIGKILL`);
        for (const p of left) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone meanwhile */
          }
        }
      }
      await fs.rm(dataDir, { recursive: true, force: true }).catch((err) => say(`${label}: could not remove ${dataDir}: ${String(err)}`));
    })());

  track(stop);
  try {
    const apiKey = await new Promise<string>((resolve, reject) => {
      let runningSince = 0;
      const timer = setInterval(() => {
        const out = program.parse(stdout);
        if (out.running && out.apiKey) return done(() => resolve(out.apiKey!));
        if (out.running) runningSince ||= Date.now();
        if (runningSince && Date.now() - runningSince > 5_000)
          return done(() => reject(new Error('it printed "Herald is running" but no first-start API key')));
        if (hasExited()) return done(() => reject(new Error(`it exited during startup (code ${child.exitCode ?? child.signalCode})`)));
        if (Date.now() - t0 > START_TIMEOUT_MS)
          return done(() => reject(new Error(`it was not running within ${START_TIMEOUT_MS / 1000} s`)));
      }, 100);
      const done = (fn: () => void) => {
        clearInterval(timer);
        fn();
      };
    });
    const startupSeconds = (Date.now() - t0) / 1000;
    remember();
    const ended = () => (hasExited() ? (child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`) : undefined);
    return { pid, apiUrl: `http://127.0.0.1:${apiPort}`, apiKey, startupSeconds, tail, ended, stop };
  } catch (err) {
    await stop();
    throw new Error(`${label}: Herald in ${tree} failed to start: ${(err as Error).message}\n--- its last output ---\n${tail()}`);
  }
}
