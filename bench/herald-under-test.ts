import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { createHeraldClient } from '../src/api/client.js';
import { httpPublisher } from './load.js';
import { freePort } from '../test/support/free-port.js';
import { startHeraldProcess } from '../test/support/herald-process.js';
import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import type { Logger } from '../src/log.js';
import { createApiServer } from '../src/api/http-server.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/create-db.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/log.js';
import { createTeamWithKey } from '../src/main/bootstrap-team.js';
import { startInfrastructure } from '../src/main/infrastructure.js';
import { systemResolver } from '../src/security/url-safety.js';
import { connectClient, connectWorker } from '../src/temporal/connect.js';
import { createActivityDeps } from '../src/worker/create-activity-deps.js';
import { createHeraldWorker } from '../src/worker/create-worker.js';
import { installRuntime } from '../src/worker/install-runtime.js';

let runtimeInstalled = false;

/** Resolves with `p`, or rejects after `ms` naming `what` (every shutdown step is bounded). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

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
  const log = createLogger(config.logLevel, 'bench-herald');
  const external = { database: Boolean(config.databaseUrl), temporal: Boolean(config.temporal.address) };
  if (!runtimeInstalled) await installRuntime(config); // once per process; a second Herald reuses it
  runtimeInstalled = true;
  const t0 = Date.now();
  const infra = await startInfrastructure(config, log);
  const db = createDb(infra.databaseUrl);
  try {
    await migrateToLatest(db);
    const { client: temporal, connection } = await connectClient(config, infra.temporalAddress);
    const inProcess = opts.workerProcess ? undefined : await startInProcessWorker(config, db, log, infra.temporalAddress, say);
    const workerProcess = opts.workerProcess
      ? await startHeraldProcess('worker', { ...config, temporal: { ...config.temporal, address: infra.temporalAddress } }, infra.databaseUrl, { HERALD_LOG_LEVEL: 'info' }, ['--expose-gc'], true)
      : undefined;
    // As `npm start` does: HERALD_EAGER_START (default true) puts the API on the worker's connection.
    const eagerStart = Boolean(inProcess) && config.temporal.eagerStart;
    const apiTemporal = inProcess && eagerStart ? new Client({ connection: inProcess.connection, namespace: config.temporal.namespace }) : temporal;
    const server = createApiServer({ db, temporal: apiTemporal, config, resolve: systemResolver, log, eagerStart });
    await new Promise<void>((r) => server.listen(config.api.port, config.api.host, r));
    const apiUrl = `http://${config.api.host}:${config.api.port}`;
    const team = await createTeamWithKey(db, `bench-${new Date().toISOString()}`);
    // Fan-out to 100 webhooks and one webhook per scenario need more than the default 10.
    await db.updateTable('teams').set({ max_active_webhooks: 100_000 }).where('id', '=', team.teamId).execute();
    const api = createHeraldClient({ url: apiUrl, apiKey: team.key });
    const publisher = httpPublisher(apiUrl, team.key);
    const startupSeconds = (Date.now() - t0) / 1000;
    say(`Herald up in ${startupSeconds.toFixed(1)} s: API ${apiUrl}, Temporal ${infra.temporalAddress}, task queue ${config.temporal.taskQueue}, data dir ${dataDir}`);

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
        server.closeAllConnections();
        await step('API server close', () => new Promise<void>((r) => server.close(() => r())));
        await step('worker shutdown', async () => {
          await inProcess?.stop();
          await workerProcess?.stop();
        });
        await step('client connection close', () => connection.close());
        await step('db pool close', () => db.destroy());
        await step('infrastructure stop', () => infra.stop(), 60_000);
        await step('data dir removal', () => fs.rm(dataDir, { recursive: true, force: true }));
      },
    };
  } catch (err) {
    await db.destroy().catch(() => undefined);
    await infra.stop().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
async function startInProcessWorker(config: HeraldConfig, db: Kysely<Database>, log: Logger, address: string, say: (line: string) => void) {
  const connection = await connectWorker(config, address);
  const worker = await createHeraldWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: createActivityDeps({ db, config, log }),
  });
  const running = worker.run();
  running.catch((err) => say(`worker stopped with an error: ${String(err)}`));
  return {
    connection,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

export type HeraldUnderTest = Awaited<ReturnType<typeof startHeraldUnderTest>>;
