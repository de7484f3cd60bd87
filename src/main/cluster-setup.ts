import type { HeraldConfig } from '../config.js';
import { ensureDatabase } from '../infra/embedded-postgres.js';
import { type TemporalCluster, startTemporalCluster } from '../infra/temporal-cluster.js';

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
