import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { installRuntime } from '../../src/worker/install-runtime.js';
import { inject } from 'vitest';
import { appRouter } from '../../src/api/app-router.js';
import { type ApiDeps, createContextInner } from '../../src/api/context.js';
import { createApiServer } from '../../src/api/http-server.js';
import { createHeraldClient } from '../../src/api/client.js';
import { loadConfig, type HeraldConfig } from '../../src/config.js';
import { createDb } from '../../src/db/create-db.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { ensureDatabase } from '../../src/infra/embedded-postgres.js';
import { createLogger } from '../../src/log.js';
import { createTeamWithKey } from '../../src/main/bootstrap-team.js';
import type { Resolver } from '../../src/security/url-safety.js';
import { createActivityDeps } from '../../src/worker/create-activity-deps.js';
import { createHeraldWorker, WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { temporalClientInterceptors, workflowInterceptorModules } from '../../src/observability/tracing.js';

let runtimeInstalled = false;

let bundlePromise: ReturnType<typeof bundleWorkflowCode> | undefined;
/** One workflow bundle per test file (webpack is the slow part of worker start); with tracing on, it holds the OTel workflow interceptors. */
export function workflowBundle(config?: HeraldConfig) {
  const workflowInterceptorModulesList = config ? workflowInterceptorModules(config) : [];
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModulesList, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  return bundlePromise;
}

/** A resolver for tests: names from the map, IP literals as themselves, anything else NXDOMAIN. */
export function mapResolver(map: Record<string, string[]>): Resolver {
  return async (host) => {
    if (map[host]) return map[host]!;
    if (/^[\d.]+$/.test(host) || host.includes(':')) return [host];
    const err = new Error(`getaddrinfo ENOTFOUND ${host}`) as Error & { code: string };
    err.code = 'ENOTFOUND';
    throw err;
  };
}

export interface HarnessOptions {
  env?: Record<string, string>;
  resolve?: Resolver;
  /** Start a worker on this harness' task queue (default true). */
  worker?: boolean;
  /** A PostgreSQL of the test's own (e.g. one it restarts) instead of the run's shared one. */
  pgAdminUrl?: string;
  /** As `npm start`: the API starts deliveries eagerly on the worker's own connection. */
  eagerStart?: boolean;
  /** A Temporal of the test's own instead of the run's shared one. */
  temporalAddress?: string;
}

/**
 * Per test file: its own database (migrated), its own task queue, an API server on an
 * ephemeral loopback port, and optionally a worker, all against the run's real services.
 */
export async function createHarness(opts: HarnessOptions = {}) {
  const dbName = `herald_${randomBytes(6).toString('hex')}`;
  const adminUrl = opts.pgAdminUrl ?? inject('pgAdminUrl');
  await ensureDatabase(adminUrl, dbName);
  const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${dbName}`);
  const temporalAddress = opts.temporalAddress ?? inject('temporalAddress');
  const config: HeraldConfig = loadConfig({
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_TASK_QUEUE: `test-${dbName}`,
    HERALD_LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    ...opts.env,
  });
  const log = createLogger(config.logLevel, 'test');
  const db = createDb(databaseUrl);
  await migrateToLatest(db);
  const connection = await Connection.connect({ address: temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporal.namespace, interceptors: temporalClientInterceptors(config) });
  const resolve = opts.resolve ?? mapResolver({ localhost: ['127.0.0.1'] });
  const deps: ApiDeps = { db, temporal, config, resolve, log };

  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;
  if (opts.worker !== false) {
    if (!runtimeInstalled) await installRuntime(config);
    runtimeInstalled = true;
    workerConnection = await NativeConnection.connect({ address: temporalAddress });
    worker = await createHeraldWorker({
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: createActivityDeps({ db, config, log, resolve }),
      workflowBundle: await workflowBundle(config),
    });
    workerRun = worker.run();
    if (opts.eagerStart) {
      deps.temporal = new Client({ connection: workerConnection, namespace: config.temporal.namespace, interceptors: temporalClientInterceptors(config) });
      deps.eagerStart = true;
    }
  }

  const server: http.Server = createApiServer(deps);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    config,
    db,
    temporal,
    deps,
    apiUrl,
    /** Calls procedures in-process, as the given API key. */
    caller: (apiKey?: string) => appRouter.createCaller(createContextInner(deps, apiKey)),
    /** The typed HTTP client, as the given API key. */
    client: (apiKey?: string) => createHeraldClient({ url: apiUrl, apiKey }),
    createTeam: (name = `team-${randomBytes(4).toString('hex')}`) => createTeamWithKey(db, name),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (worker) {
        worker.shutdown();
        await workerRun;
        await workerConnection?.close();
      }
      await connection.close();
      await db.destroy();
    },
  };
}
export type Harness = Awaited<ReturnType<typeof createHarness>>;
