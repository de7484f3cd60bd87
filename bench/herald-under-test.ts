import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHeraldClient } from '../src/api/client.js';
import { createHerald } from '../src/app/create-herald.js';
import { type HeraldProcess, startHeraldProcess } from '../src/app/herald-process.js';
import { within } from '../src/app/within.js';
import { loadConfig } from '../src/config.js';
import { createTeamWithKey } from '../src/app/bootstrap-team.js';
import { freePort } from '../test/support/free-port.js';
import { httpPublisher } from './load.js';

/**
 * Herald as `npm start` runs it (embedded PostgreSQL and Temporal dev server, one worker and the
 * API in this process, same pool sizes and worker limits) on a throwaway data dir and free ports.
 * With TEMPORAL_ADDRESS / DATABASE_URL set, those services are used instead of embedded ones.
 * With `workerProcess`, the worker runs as its own OS process (`src/main/worker.ts`, as in
 * production) so its memory can be read on its own; the API then starts workflows normally.
 * With `temporalAddress` (a cluster the bench started), that server is used, as TEMPORAL_ADDRESS.
 */
export async function startHeraldUnderTest(say: (line: string) => void, opts: { workerProcess?: boolean; temporalAddress?: string } = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
  await fs.chmod(dataDir, 0o755); // the embedded postgres runs as the `postgres` user when we are root
  const config = loadConfig({
    ...process.env,
    HERALD_DATA_DIR: dataDir,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true', // receivers are on 127.0.0.1
    HERALD_API_HOST: '127.0.0.1',
    HERALD_API_PORT: String(await freePort()),
    HERALD_EMBEDDED_PG_PORT: String(await freePort()),
    HERALD_TEMPORAL_PORT: String(await freePort()),
    HERALD_TEMPORAL_UI_PORT: String(await freePort()),
    // The bench publishes far more than the default 1200/min per key; the schema's maximum.
    HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000',
    // Own task queue: on a shared external cluster no other worker picks up bench deliveries.
    HERALD_TASK_QUEUE: `herald-bench-${randomBytes(4).toString('hex')}`,
    HERALD_LOG_LEVEL: process.env.HERALD_LOG_LEVEL || 'warn',
    ...(opts.temporalAddress ? { TEMPORAL_ADDRESS: opts.temporalAddress } : {}),
  });
  const external = { database: Boolean(config.databaseUrl), temporal: Boolean(config.temporal.address) };
  const t0 = Date.now();
  // As `npm start` (same pool sizes, worker limits and, with HERALD_EAGER_START, eager start on the
  // worker's connection), without the sweeps; with `workerProcess` the API alone runs here.
  const herald = await createHerald(config, {
    roles: { api: true, worker: !opts.workerProcess },
    overrides: { logName: 'bench-herald', startupChecks: false },
  });
  const { db, infra } = herald.handles;
  let workerProcess: HeraldProcess | undefined;
  try {
    await herald.start();
    herald.handles.workerRun?.catch((err) => say(`worker stopped with an error: ${String(err)}`));
    const temporal = herald.handles.temporal!;
    workerProcess = opts.workerProcess
      ? await startHeraldProcess('worker', herald.handles.config, infra.databaseUrl, { HERALD_LOG_LEVEL: 'info' }, ['--expose-gc'], true)
      : undefined;
    const apiUrl = herald.handles.apiUrl!;
    const team = await createTeamWithKey(db, `bench-${new Date().toISOString()}`);
    // Fan-out to 100 webhooks and one webhook per scenario need more than the default 10.
    await db.updateTable('teams').set({ max_active_webhooks: 100_000 }).where('id', '=', team.teamId).execute();
    const api = createHeraldClient({ url: apiUrl, apiKey: team.key });
    const publisher = httpPublisher(apiUrl, team.key);
    const startupSeconds = (Date.now() - t0) / 1000;
    say(
      `Herald up in ${startupSeconds.toFixed(1)} s: API ${apiUrl}, Temporal ${infra.temporalAddress}, task queue ${config.temporal.taskQueue}, data dir ${dataDir}`,
    );

    return {
      api,
      publish: publisher.publish,
      db,
      temporal,
      config,
      dataDir,
      external,
      startupSeconds,
      /** Pid of the worker process, or this process when the worker runs in-process. */
      workerPid: workerProcess?.child.pid ?? process.pid,
      /** Asks the worker process for a full GC (no-op in-process; the caller collects its own). */
      workerGc: () => workerProcess?.child.send('gc'),
      async close(): Promise<void> {
        const step = async (what: string, fn: () => Promise<unknown>, ms = 30_000) =>
          within(Promise.resolve().then(fn), ms, what).catch((err) => say(`shutdown: ${String(err)}`));
        await publisher.close().catch(() => undefined);
        await step('worker process stop', async () => workerProcess?.stop());
        // Herald bounds each of its own steps (API, worker, connections, pool, infrastructure).
        await step('Herald stop', () => herald.stop(), 120_000);
        await step('data dir removal', () => fs.rm(dataDir, { recursive: true, force: true }));
      },
    };
  } catch (err) {
    await workerProcess?.stop().catch(() => undefined);
    await herald.stop().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

export type HeraldUnderTest = Awaited<ReturnType<typeof startHeraldUnderTest>>;
