import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { type ClusterProcess, assertPortsFree, spawnLogged } from './cluster-process.js';
import { storeFairness } from '../../src/embedded/dev-store-fairness.js';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/embedded/embedded-postgres.js';
import { CLUSTER_SERVICES, type ClusterService, type PgTarget, clusterPorts, writeUiConfig } from './temporal-cluster-config.js';
import { CLUSTER_CONFIG_ROOT, clusterServiceArgs, clusterServiceEnv } from './temporal-cluster-env.js';
import { setupSchema } from './temporal-cluster-schema.js';
import { ensureNamespace } from './temporal-namespace-setup.js';
import { resolveServerBinaries } from './temporal-server-build.js';

export const TEMPORAL_DB = 'temporal';
export const VISIBILITY_DB = 'temporal_visibility';

export interface ClusterOptions {
  /** Config and logs go to `<dir>/cluster`, the embedded PostgreSQL's data to `<dir>/cluster-pg`. */
  dataDir: string;
  cacheDir: string;
  pathEnv: string;
  basePort: number;
  historyShards: number;
  /** External PostgreSQL (a URL whose user may create databases); unset: embedded PostgreSQL on `pgPort`. */
  pgUrl?: string;
  pgPort: number;
  namespace: string;
  retentionDays: number;
  ui: boolean;
  logLevel: string;
  goGc: number;
  log: (line: string) => void;
}

export interface TemporalCluster {
  address: string;
  uiUrl?: string;
  /** The cluster's PostgreSQL, database `postgres` (admin URL; Herald's own database can live there too). */
  pgAdminUrl: string;
  embeddedPg: boolean;
  processes: ClusterProcess[];
  logDir: string;
  /**
   * Stops one service process with `signal` (default SIGTERM, SIGKILL after 15 s), waits `downMs`
   * and spawns it again (chaos, operations); callers wait for it with `waitServing`.
   */
  restart(service: ClusterService, signal?: NodeJS.Signals, downMs?: number): Promise<void>;
  /**
   * Resolves once `service` answers again: frontend gRPC calls, history and matching their gRPC
   * port, the internal worker its membership port. Rejects if the process dies or after `timeoutMs`.
   */
  waitServing(service: ClusterService, timeoutMs?: number): Promise<void>;
  /** Stops the embedded PostgreSQL (fast shutdown), waits `downMs`, starts it on the same data. Throws for an external one. */
  restartPostgres(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real multi-process Temporal cluster on PostgreSQL: schema set up or upgraded, one
 * `temporal-server` process per service (history, matching, frontend, worker), the namespace
 * with Herald's retention and search attributes, and the UI when it could be built.
 */
export async function startTemporalCluster(o: ClusterOptions): Promise<TemporalCluster> {
  const dir = path.resolve(o.dataDir, 'cluster');
  const logDir = path.join(dir, 'logs');
  // A cluster that ran here before has a store, possibly created before fairness was on.
  const storeExisted = await fs.access(dir).then(
    () => true,
    () => false,
  );
  await fs.mkdir(logDir, { recursive: true });
  const ports = clusterPorts(o.basePort);
  const hint = 'set HERALD_CLUSTER_PORT to another base port';
  await assertPortsFree(
    CLUSTER_SERVICES.flatMap((s) => [
      { port: ports.services[s].grpc, what: `${s} gRPC` },
      { port: ports.services[s].membership, what: `${s} membership` },
      { port: ports.services[s].metrics, what: `${s} metrics` },
    ]).concat([{ port: ports.frontendHttp, what: 'frontend HTTP' }], o.ui ? [{ port: ports.ui, what: 'UI' }] : []),
    hint,
  );
  const bins = await resolveServerBinaries({ cacheDir: o.cacheDir, pathEnv: o.pathEnv, ui: o.ui, log: o.log });

  const processes: ClusterProcess[] = [];
  let stopPg: (() => Promise<void>) | undefined;
  // Frontend (and UI) first so no new work comes in, history last: it owns the shards.
  const stopServers = async () => {
    for (const name of ['ui', 'frontend', 'worker', 'matching', 'history']) {
      for (const p of processes.filter((x) => x.name === name))
        await p.stop().catch((err) => o.log(`stopping ${name} failed: ${String(err)}`));
    }
  };
  try {
    let adminUrl = o.pgUrl;
    const startPg = async () => {
      const pg = await startEmbeddedPostgres({ dataDir: path.resolve(o.dataDir, 'cluster-pg'), port: o.pgPort, database: 'postgres' });
      stopPg = pg.stop;
      return pg.url;
    };
    if (!adminUrl) {
      adminUrl = await startPg();
      o.log(`PostgreSQL (embedded) ready on 127.0.0.1:${o.pgPort}`);
    }
    const target = pgTarget(adminUrl);
    for (const db of [TEMPORAL_DB, VISIBILITY_DB]) await ensureDatabase(adminUrl, db);
    await setupSchema({ sqlTool: bins.sqlTool, pg: target, database: TEMPORAL_DB, schemaName: 'postgresql/v12/temporal', log: o.log });
    await setupSchema({ sqlTool: bins.sqlTool, pg: target, database: VISIBILITY_DB, schemaName: 'postgresql/v12/visibility', log: o.log });
    // deploy/temporal/config/docker.yaml, rendered by the server from these variables: the same
    // file and names as docker-compose.yml (deploy/temporal/README.md).
    const envOptions = {
      pg: target,
      database: TEMPORAL_DB,
      visibilityDatabase: VISIBILITY_DB,
      historyShards: o.historyShards,
      logLevel: o.logLevel,
      dynamicConfigFile: await clusterDynamicConfigFile(
        dir,
        await storeFairness({ markerFile: path.join(dir, 'fairness'), storeExisted, wanted: true, log: o.log }),
      ),
    };
    const startService = (s: ClusterService) =>
      spawnLogged(s, bins.server, clusterServiceArgs(CLUSTER_CONFIG_ROOT, s), path.join(logDir, `${s}.log`), {
        ...process.env,
        GOGC: String(o.goGc),
        ...clusterServiceEnv(s, o.basePort, envOptions),
      });
    // History first, alone: on a fresh database every service races to write the cluster
    // metadata record, and the losers exit ("SaveClusterMetadata encountered version mismatch").
    processes.push(startService('history'));
    await waitForPort(ports.services.history.grpc, processes[0]!, 60_000);
    for (const s of CLUSTER_SERVICES.filter((x) => x !== 'history')) processes.push(startService(s));
    const address = `127.0.0.1:${ports.services.frontend.grpc}`;
    await waitForFrontend(address, processes, 120_000);
    o.log(
      `Temporal frontend answering at ${address} (${CLUSTER_SERVICES.join(', ')}: one process each, ${o.historyShards} history shards)`,
    );
    await ensureNamespace({ address, namespace: o.namespace, retentionDays: o.retentionDays, log: o.log });

    let uiUrl: string | undefined;
    if (bins.ui) {
      const uiDir = await writeUiConfig(dir, o.basePort, o.namespace);
      processes.push(
        spawnLogged('ui', bins.ui, ['--root', uiDir, '--config', '.', '--env', 'development', 'start'], path.join(logDir, 'ui.log')),
      );
      uiUrl = `http://127.0.0.1:${ports.ui}`;
    }
    return {
      address,
      uiUrl,
      pgAdminUrl: adminUrl,
      embeddedPg: !o.pgUrl,
      processes,
      logDir,
      async restart(service, signal = 'SIGTERM', downMs = 0) {
        const i = processes.findIndex((p) => p.name === service);
        await processes[i]!.stop(signal);
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        processes[i] = startService(service);
      },
      async waitServing(service, timeoutMs = 120_000) {
        const proc = processes.find((p) => p.name === service)!;
        if (service === 'frontend') return waitForFrontend(address, [proc], timeoutMs);
        const port = service === 'worker' ? ports.services.worker.membership : ports.services[service].grpc;
        return waitForPort(port, proc, timeoutMs);
      },
      async restartPostgres(downMs) {
        if (o.pgUrl) throw new Error('restartPostgres: the cluster runs on an external PostgreSQL (HERALD_CLUSTER_PG_URL)');
        await stopPg?.();
        await new Promise((r) => setTimeout(r, downMs));
        await startPg();
      },
      async stop() {
        await stopServers();
        await stopPg?.();
      },
    };
  } catch (err) {
    for (const p of processes) await p.stop('SIGKILL').catch(() => undefined);
    await stopPg?.().catch(() => undefined);
    throw err;
  }
}

function pgTarget(url: string): PgTarget {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects if `proc` dies. */
async function waitForPort(port: number, proc: ClusterProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive()) throw new Error(`temporal-server ${proc.name} exited (code ${proc.child.exitCode}); see ${proc.logFile}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true)).once('error', () => done(false));
      socket.setTimeout(1_000, () => done(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${proc.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms; see ${proc.logFile}`);
}

/** Resolves once the frontend serves gRPC; rejects early if a service process dies. */
async function waitForFrontend(address: string, processes: ClusterProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const dead = processes.find((p) => !p.alive());
    if (dead) throw new Error(`temporal-server ${dead.name} exited (code ${dead.child.exitCode}); see ${dead.logFile}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.getClusterInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`Temporal frontend at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * deploy/temporal/dynamicconfig/herald.yaml as it is (fairness on), or, for a store created
 * before fairness, a copy in the cluster's data dir with fairness off (dev-store-fairness.ts).
 */
export async function clusterDynamicConfigFile(dir: string, fairness: boolean): Promise<string> {
  const shipped = path.join(CLUSTER_CONFIG_ROOT, 'dynamicconfig/herald.yaml');
  if (fairness) return shipped;
  const text = await fs.readFile(shipped, 'utf8');
  const off = text.replace(/^(matching\.enableFairness:\n\s+- value: )true$/m, '$1false');
  if (off === text) throw new Error(`${shipped}: no "matching.enableFairness: - value: true" entry to turn off`);
  const file = path.join(dir, 'dynamicconfig-fairness-off.yaml');
  await fs.writeFile(file, off);
  return file;
}
