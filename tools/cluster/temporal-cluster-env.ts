import path from 'node:path';
import { type ClusterService, type PgTarget, clusterPorts } from './temporal-cluster-config.js';

/** Where the cluster's server config lives: the module's templated docker.yaml and Herald's dynamic config. */
export const CLUSTER_CONFIG_ROOT = path.resolve(import.meta.dirname, '../../deploy/temporal');

/** The arguments of every service process, locally and in docker-compose.yml (with `--root` its mount point). */
export function clusterServiceArgs(root: string, service: ClusterService): string[] {
  return ['--root', root, '--config', 'config', '--env', 'docker', '--allow-no-auth', 'start', '--service', service];
}

export interface ClusterEnvOptions {
  pg: PgTarget;
  database: string;
  visibilityDatabase: string;
  historyShards: number;
  logLevel: string;
  /** Absolute path of dynamicconfig/herald.yaml as the process sees it. */
  dynamicConfigFile: string;
}

/**
 * The variables that render deploy/temporal/config/docker.yaml (`# enable-template`) for one
 * service process on this machine: PostgreSQL 12+ plugin for persistence and visibility, every
 * service bound and broadcasting on 127.0.0.1 with its own ports (`clusterPorts`), its own
 * Prometheus listener. docker-compose.yml sets the same names (test/unit/cluster-compose.test.ts);
 * there only addresses differ. The PostgreSQL password travels here, never in a file.
 */
export function clusterServiceEnv(service: ClusterService, basePort: number, o: ClusterEnvOptions): Record<string, string> {
  const ports = clusterPorts(basePort);
  const s = ports.services;
  return {
    DB: 'postgres12',
    POSTGRES_SEEDS: o.pg.host,
    DB_PORT: String(o.pg.port),
    VISIBILITY_DB_PORT: String(o.pg.port),
    POSTGRES_USER: o.pg.user,
    POSTGRES_PWD: o.pg.password,
    DBNAME: o.database,
    VISIBILITY_DBNAME: o.visibilityDatabase,
    SQL_MAX_CONNS: '20',
    SQL_VIS_MAX_CONNS: '10',
    NUM_HISTORY_SHARDS: String(o.historyShards),
    LOG_LEVEL: o.logLevel,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(s.frontend.grpc),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(s.frontend.membership),
    HISTORY_GRPC_PORT: String(s.history.grpc),
    HISTORY_MEMBERSHIP_PORT: String(s.history.membership),
    MATCHING_GRPC_PORT: String(s.matching.grpc),
    MATCHING_MEMBERSHIP_PORT: String(s.matching.membership),
    WORKER_GRPC_PORT: String(s.worker.grpc),
    WORKER_MEMBERSHIP_PORT: String(s.worker.membership),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${s[service].metrics}`,
    DYNAMIC_CONFIG_FILE_PATH: o.dynamicConfigFile,
  };
}
