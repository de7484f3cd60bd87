import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTE_FLAGS } from '../temporal/search-attributes.js';
import { devStoreFairness } from './dev-store-fairness.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** The server's process id, when Herald spawned the CLI itself (tests pause it with SIGSTOP). */
  pid?: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** SQLite file; undefined keeps state in memory (tests). */
  dbFile?: string;
  port: number;
  uiPort?: number;
  namespace: string;
  retentionDays: number;
  cliPath?: string;
  cacheDir: string;
  pathEnv?: string;
  log?: (line: string) => void;
  /**
   * Go's GOGC for the server process (percent heap growth between collections). The Go default,
   * 100, spends ~20% of the dev server's CPU on garbage collection under delivery load; 400
   * trades some memory for it (bench/results/levers).
   */
  goGc?: number;
  /**
   * Go's GOMAXPROCS for the server process. 1 (Herald's default) keeps the dev server's goroutines
   * on one OS thread at a time: on a small machine shared with Herald and PostgreSQL that cut its
   * CPU per delivery by 17% (fewer cross-core wakeups and futexes), with no loss of latency or
   * throughput (bench/results/compare-2026-11-26T01-12-09.md). Unset: Go's default (all cores).
   */
  goMaxProcs?: number;
  /**
   * Task-queue fairness (matching.enableFairness, server ≥ 1.29): tasks are dispatched round-robin
   * over their fairness keys (Herald's: the team id, see team-priority.ts) instead of first in,
   * first out. Default true.
   */
  fairness?: boolean;
  /** Partitions per task queue; unset: the server's 4. Only for a fresh in-memory server (a test): fewer would strand a store's queued tasks. */
  partitions?: number;
}

/**
 * How long an empty workflow or activity poll waits at the server before it is answered empty
 * (Temporal's default: 1 minute). The SDK's worker (core in @temporalio/worker 1.24.0) stops
 * polling for new workflows while the last sticky-queue answer it saw reported a backlog larger
 * than its open sticky polls, and only a sticky answer updates that figure; when the sticky
 * queue then goes quiet (a burst ended, the rest hang in long attempts), every new delivery
 * waited for the next empty sticky answer: 60 s, measured (test/integration/team-isolation).
 * Fixed upstream in sdk-core (temporalio/sdk-rust#1579), not in a released TypeScript SDK yet.
 * Under load (3 CPU hogs beside the test) it struck 5 of 8 runs; with 5 s the longest gap
 * between arrivals was 4.5 s. The price is an empty answer per open poll every 5 s when idle:
 * `npm start` idle went from 16 to 42 CPU-ms/s (node 21, dev server 20); 2 s cost 110.
 * deploy/temporal/dynamicconfig/herald.yaml sets the same for the cluster.
 */
export const LONG_POLL_EXPIRATION = '5s';

/**
 * The dev server's dynamic config flags Herald sets (`--dynamic-config-value KEY=JSON`). Task
 * queues keep the server's 4 partitions: Temporal keeps fairness within each, which is fair on
 * big backlogs (the noisy-neighbour figures: B's p99 327–360 ms with 4, 497–516 ms with one
 * partition) but not task by task on small ones; `partitions` (tests) sets another count.
 */
export function devServerDynamicConfig(opts: Pick<DevServerOptions, 'fairness' | 'partitions'>): string[] {
  const values: string[] = [`matching.longPollExpirationInterval=${JSON.stringify(LONG_POLL_EXPIRATION)}`];
  // enableFairness implies the priority matcher (matching.useNewMatcher).
  if (opts.fairness !== false) values.push('matching.enableFairness=true');
  if (opts.partitions)
    values.push(`matching.numTaskqueueReadPartitions=${opts.partitions}`, `matching.numTaskqueueWritePartitions=${opts.partitions}`);
  return values.flatMap((v) => ['--dynamic-config-value', v]);
}

/**
 * Runs `temporal server start-dev` with Herald's search attributes, WAL-mode SQLite and the
 * namespace retention set, and resolves once the frontend answers. Falls back to the SDK's own
 * download when no CLI can be found or built.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? (() => undefined);
  const cli = await resolveTemporalCli({ configuredPath: opts.cliPath, cacheDir: opts.cacheDir, pathEnv: opts.pathEnv, log });
  if (!cli) return startWithSdkDownload(opts);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
  ];
  if (opts.dbFile) {
    await fs.mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  for (const sa of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', sa);
  args.push(
    ...devServerDynamicConfig({ fairness: await devStoreFairness(opts.dbFile, opts.fairness !== false, log), partitions: opts.partitions }),
  );

  const child = spawn(cli.path, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GOGC: String(opts.goGc ?? 400), ...(opts.goMaxProcs ? { GOMAXPROCS: String(opts.goMaxProcs) } : {}) },
  });
  let output = '';
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-8000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal dev server exited (code ${code}):\n${output}`))),
  );
  const address = `127.0.0.1:${opts.port}`;
  try {
    await Promise.race([waitForFrontend(address, opts.namespace, 60_000), exited]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  exited.catch(() => undefined);
  // Safety net: if this process exits before stop() ran (a crash, a hard-stop timeout), the
  // server must not outlive it and hold its port.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  await setRetention(address, opts.namespace, opts.retentionDays);
  log(`Temporal dev server ready at ${address} (CLI from ${cli.source})`);
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

async function waitForFrontend(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

/** The dev server keeps 24 h by default; delivery logs need longer. */
export async function setRetention(address: string, namespace: string, days: number): Promise<void> {
  const conn = await Connection.connect({ address });
  try {
    await conn.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToTs(days * 86_400_000) },
    });
  } finally {
    await conn.close();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Last resort for machines with internet: the SDK downloads a CLI itself. */
async function startWithSdkDownload(opts: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: opts.port,
      namespace: opts.namespace,
      dbFilename: opts.dbFile,
      ui: Boolean(opts.uiPort),
      uiPort: opts.uiPort,
      extraArgs: [
        ...SEARCH_ATTRIBUTE_FLAGS.flatMap((sa) => ['--search-attribute', sa]),
        ...devServerDynamicConfig({
          fairness: await devStoreFairness(opts.dbFile, opts.fairness !== false, opts.log),
          partitions: opts.partitions,
        }),
      ],
    },
  });
  const address = `127.0.0.1:${opts.port}`;
  await setRetention(address, opts.namespace, opts.retentionDays);
  return { address, uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined, stop: () => env.teardown() };
}
