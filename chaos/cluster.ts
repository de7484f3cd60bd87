import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHeraldClient } from '../src/api/client.js';
import { createHerald } from '../src/app/create-herald.js';
import { startHeraldProcess } from '../src/app/herald-process.js';
import { loadConfig, type HeraldConfig } from '../src/config.js';
import { type EmbeddedPg, startEmbeddedPostgres } from '../src/embedded/embedded-postgres.js';
import { type DevServer, startTemporalDevServer } from '../src/embedded/temporal-dev-server.js';
import { createTeamWithKey } from '../src/app/bootstrap-team.js';
import { freePort } from '../test/support/free-port.js';

type Proc = Awaited<ReturnType<typeof startHeraldProcess>>;

/**
 * Every part of Herald as its own killable process: embedded PostgreSQL, the Temporal dev
 * server on a SQLite file (so it can restart on the same data), one API and one worker.
 */
export async function startCluster(env: Record<string, string> = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-chaos-'));
  await fs.chmod(dir, 0o755);
  const base = loadConfig();
  const pgPort = await freePort();
  const temporalPort = await freePort();
  const apiPort = await freePort();
  const startPg = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort });
  const startTemporal = () =>
    startTemporalDevServer({
      dbFile: path.join(dir, 'temporal.sqlite'),
      port: temporalPort,
      namespace: 'default',
      retentionDays: 1,
      cacheDir: base.cacheDir,
      cliPath: base.temporal.cliPath,
      pathEnv: base.pathEnv,
      fairness: env.HERALD_TEMPORAL_FAIRNESS !== 'false',
    });
  let pg: EmbeddedPg = await startPg();
  let temporal: DevServer = await startTemporal();
  const config: HeraldConfig = loadConfig({
    PATH: base.pathEnv,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_API_PORT: String(apiPort),
    HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
  // This process only seeds the database (migrated); the API and worker run as their own processes.
  const store = await createHerald(config, { overrides: { noTemporal: true, logName: 'chaos' } });
  await store.start();
  const { db } = store.handles;
  const team = await createTeamWithKey(db, 'chaos');
  await db.updateTable('teams').set({ max_active_webhooks: 1000 }).where('id', '=', team.teamId).execute();
  const procEnv = { HERALD_API_PORT: String(apiPort), HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000', ...env };
  let worker: Proc = await startHeraldProcess('worker', config, pg.url, procEnv);
  let api: Proc = await startHeraldProcess('api', config, pg.url, procEnv);
  const client = createHeraldClient({ url: `http://127.0.0.1:${apiPort}`, apiKey: team.key });

  return {
    config,
    db,
    client,
    team,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    get worker() {
      return worker;
    },
    get api() {
      return api;
    },
    async killWorker() {
      await worker.stop('SIGKILL');
    },
    async startWorker() {
      worker = await startHeraldProcess('worker', config, pg.url, procEnv);
    },
    async killApi() {
      await api.stop('SIGKILL');
    },
    async startApi() {
      api = await startHeraldProcess('api', config, pg.url, procEnv);
    },
    async restartTemporal(downMs: number) {
      await temporal.stop();
      await new Promise((r) => setTimeout(r, downMs));
      temporal = await startTemporal();
    },
    async stopPostgres() {
      await pg.stop();
    },
    async startPostgres() {
      pg = await startPg();
    },
    async close() {
      await Promise.allSettled([worker.stop(), api.stop()]);
      await store.stop();
      await Promise.allSettled([temporal.stop(), pg.stop()]);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
export type Cluster = Awaited<ReturnType<typeof startCluster>>;
