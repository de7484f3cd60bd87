import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type HeraldConfig, loadConfig } from '../../src/config.js';
import { ensureDatabase } from '../../src/embedded/embedded-postgres.js';
import { type TemporalCluster, startTemporalCluster } from './temporal-cluster.js';

/** Starts the cluster `npm run cluster` describes, from Herald's configuration. */
export function startClusterFromConfig(config: HeraldConfig, log: (line: string) => void): Promise<TemporalCluster> {
  return startTemporalCluster({
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    pathEnv: config.pathEnv,
    basePort: config.cluster.basePort,
    historyShards: config.cluster.historyShards,
    pgUrl: config.cluster.pgUrl,
    pgPort: config.cluster.pgPort,
    namespace: config.temporal.namespace,
    retentionDays: config.temporal.retentionDays,
    ui: config.cluster.ui,
    logLevel: config.cluster.logLevel,
    goGc: config.temporal.devGoGc,
    log,
  });
}

/** Herald's own database on the cluster's PostgreSQL (created if missing). */
export async function heraldDatabaseUrl(cluster: TemporalCluster, name = 'herald'): Promise<string> {
  await ensureDatabase(cluster.pgAdminUrl, name);
  return cluster.pgAdminUrl.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * A throwaway cluster for checks and test runs: fresh data dir under the system temp dir, its
 * embedded PostgreSQL on a free port (or HERALD_CLUSTER_PG_URL), the configured base port.
 * `dispose` stops it and, when `keepData` is false, removes the data dir.
 */
export async function startScratchCluster(log: (line: string) => void, env: Record<string, string> = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-cluster-'));
  await fs.chmod(dataDir, 0o755); // the embedded postgres runs as `postgres` when we are root
  const config = loadConfig({ ...process.env, HERALD_DATA_DIR: dataDir, HERALD_CLUSTER_PG_PORT: String(await freePort()), ...env });
  try {
    const cluster = await startClusterFromConfig(config, log);
    return {
      cluster,
      config,
      dataDir,
      async dispose(keepData = false) {
        await cluster.stop();
        if (!keepData) await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    log(`(data and logs kept in ${dataDir})`);
    throw err;
  }
}

/**
 * A base port for a second cluster beside `npm run cluster`'s 7400: the first of 8400, 8500 …
 * 9900 whose offsets (gRPC 0–4, membership 10–13, metrics 20–23, UI 80) are all free on 127.0.0.1.
 * Below the ephemeral range, so free ports handed to other processes do not collide with it.
 */
export async function freeClusterBasePort(): Promise<number> {
  const offsets = [0, 1, 2, 3, 4, 10, 11, 12, 13, 20, 21, 22, 23, 80];
  for (let base = 8400; base <= 9900; base += 100) {
    const free = await Promise.all(offsets.map((o) => portFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free cluster base port in 8400–9900 on 127.0.0.1');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
