import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHeraldClient } from '../src/api/client.js';
import { createHerald } from '../src/app/create-herald.js';
import { startHeraldProcess } from '../src/app/herald-process.js';
import { loadConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/embedded/embedded-postgres.js';
import { createTeamWithKey } from '../src/app/bootstrap-team.js';
import { freeClusterBasePort, startScratchCluster } from '../tools/cluster/cluster-setup.js';
import { freePort } from '../test/support/free-port.js';

type Proc = Awaited<ReturnType<typeof startHeraldProcess>>;

/**
 * Herald on a real Temporal cluster, every part its own killable process: the cluster
 * (`startScratchCluster`: history, matching, frontend, internal worker on their own embedded
 * PostgreSQL, no UI) on a free base port, Herald's own embedded PostgreSQL (so a restart of the
 * cluster's PostgreSQL is Temporal's persistence alone), `workers` workers and `apis` API processes.
 */
export async function startClusterStack(opts: { workers: number; apis: number; log?: (line: string) => void }) {
  const log = opts.log ?? (() => undefined);
  const scratch = await startScratchCluster(log, { HERALD_CLUSTER_PORT: String(await freeClusterBasePort()), HERALD_CLUSTER_UI: 'false' });
  const { cluster } = scratch;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-chaos-'));
  await fs.chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  const base = loadConfig();
  const config = loadConfig({
    PATH: base.pathEnv,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: scratch.config.temporal.namespace,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
  });
  // This process only seeds the database (migrated); the APIs and workers run as their own processes.
  const store = await createHerald(config, { overrides: { noTemporal: true, logName: 'chaos' } });
  await store.start();
  const { db } = store.handles;
  const team = await createTeamWithKey(db, 'chaos');
  await db.updateTable('teams').set({ max_active_webhooks: 1000 }).where('id', '=', team.teamId).execute();
  const env = { HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000' };
  const workers: Proc[] = [];
  const apis: Proc[] = [];
  const apiPorts: number[] = [];
  for (let i = 0; i < opts.workers; i++) workers.push(await startHeraldProcess('worker', config, pg.url, env));
  for (let i = 0; i < opts.apis; i++) {
    apiPorts.push(await freePort());
    apis.push(await startHeraldProcess('api', config, pg.url, { ...env, HERALD_API_PORT: String(apiPorts[i]) }));
  }
  const clients = apiPorts.map((port) => createHeraldClient({ url: `http://127.0.0.1:${port}`, apiKey: team.key }));
  log(`cluster at ${cluster.address} (data ${scratch.dataDir}); ${opts.workers} worker(s), ${opts.apis} API(s) on ${apiPorts.join(', ')}`);

  return {
    cluster,
    db,
    /** One client per API process, in order; the publisher spreads calls over them. */
    clients,
    workers,
    apis,
    /** Output of every Herald process, for a report when events are lost. */
    tails: () =>
      [...workers.map((w, i) => [`worker ${i}`, w] as const), ...apis.map((a, i) => [`api ${i}`, a] as const)]
        .map(([n, p]) => `${n}:\n${p.lines.slice(-15).join('\n')}`)
        .join('\n'),
    async close() {
      await Promise.allSettled([...workers, ...apis].map((p) => p.stop()));
      await store.stop();
      await scratch.dispose().catch((err) => log(`cluster stop failed: ${String(err)}`));
      await pg.stop().catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
export type ClusterStack = Awaited<ReturnType<typeof startClusterStack>>;
