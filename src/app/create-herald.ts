import type http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { ApiDeps } from '../api/context.js';
import { createApiServer } from '../api/http-server.js';
import type { HeraldConfig } from '../config.js';
import { closeDb, createDb } from '../db/create-db.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger, type Logger } from '../log.js';
import { ensureDefaultTeam } from './bootstrap-team.js';
import type { Infrastructure } from './start-infrastructure.js';
import { startWorkerMetricsServer } from '../observability/metrics-endpoint.js';
import { startTracing, tracingOn } from '../observability/tracing.js';
import { checkSecretKeys } from '../repositories/secret-key-usage.js';
import { systemResolver } from '../security/url-safety.js';
import { createActivityDeps } from '../worker/create-activity-deps.js';
import { createHeraldWorker, heraldWorkflowBundle } from '../worker/create-worker.js';
import { startReconciler } from '../worker/reconcile-deliveries.js';
import { startSweeper } from '../worker/sweep-undispatched.js';
import { startRetention } from '../worker/purge-expired.js';
import { createApiDeps } from './create-api-deps.js';
import { connectHerald } from './herald-connections.js';
import { effectiveConfig, resolveInfrastructure } from './herald-infrastructure.js';
import type { CreateHeraldOptions } from './herald-options.js';
import { installRuntimeOnce } from './install-runtime-once.js';
import { closeServer, listenApi } from './listen-api.js';
import { createStopSteps } from './stop-steps.js';

export interface HeraldHandles {
  /** The config in use (service addresses from the overrides or the embedded services filled in). */
  config: HeraldConfig;
  log: Logger;
  infra: Infrastructure;
  db: Kysely<Database>;
  /** The process' Temporal client (the client connection; a worker alone: its own connection). */
  temporal?: Client;
  /** The API's dependencies (api role); its `temporal` is the eager client when eager. */
  apiDeps?: ApiDeps;
  /** After start(), api role: */
  server?: http.Server;
  apiUrl?: string;
  /** After start(), worker role: the worker and its run (settles when the worker stops). */
  worker?: Worker;
  workerRun?: Promise<void>;
  workerMetricsServer?: http.Server;
  /** After start() with overrides.defaultTeam: the team made on first start (null: there was one). */
  firstTeam?: { teamId: string; key: string } | null;
}

export interface Herald {
  handles: HeraldHandles;
  /**
   * Migrations, then the worker and sweeps, then the API, listening last. Once only (a second
   * call returns the first's promise). On a failure, call stop() to release what was started.
   */
  start(): Promise<HeraldHandles>;
  /**
   * Brings the schema up to date on a pool of its own (two connections, the migration statement
   * bound); returns the migrations applied. start() calls it unless `migrate: false`.
   */
  migrate(): Promise<string[]>;
  /** Stops everything this Herald started, newest first, each step bounded; idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root: every part of Herald, built here and nowhere else (model: Hookdeck
 * Outpost's `app.New(cfg).Run(ctx)`). This call brings up the infrastructure, the database pool
 * and the Temporal connections for the roles; `start()` runs the rest. On a failure either way,
 * what was made is released before the error is thrown.
 */
export async function createHerald(baseConfig: HeraldConfig, opts: CreateHeraldOptions = {}): Promise<Herald> {
  const roles = opts.roles ?? {};
  const o = opts.overrides ?? {};
  const log = createLogger(baseConfig.logLevel, o.logName ?? 'herald');
  const steps = createStopSteps(log);
  // The workflow bundle builds in its own process (bundle-workflows.ts) while the infrastructure,
  // pool and connections come up; the worker waits for it only when it is created.
  const bundle = roles.worker && !o.noTemporal && !o.workflowBundle ? heraldWorkflowBundle(baseConfig, log) : undefined;
  bundle?.catch(() => undefined); // awaited (and its error thrown) where the worker is created
  try {
    if (roles.worker) await installRuntimeOnce(baseConfig);
    const startupChecks = o.startupChecks !== false;
    if (startupChecks && roles.worker && baseConfig.delivery.allowPrivateTargets)
      log.warn('HERALD_ALLOW_PRIVATE_TARGETS=true: http and private/loopback targets are allowed. Development only.');
    const infra = await resolveInfrastructure(effectiveConfig(baseConfig, o), log, o);
    steps.push('infrastructure stop', () => infra.stop(), 60_000);
    // Shut down (flushing spans) before the infrastructure; only if this Herald turned it on.
    const tracingWasOn = tracingOn();
    const tracing = startTracing(baseConfig);
    if (tracing && !tracingWasOn) steps.push('tracing shutdown', () => tracing.shutdown());
    const config = effectiveConfig(baseConfig, { ...o, infra });
    // Statement classes by pool: API requests and delivery activities share the main pool's
    // bound; sweeps get a small pool and a longer bound of their own, so neither can take the
    // other's connections; migrations run on a pool of their own (migrate()).
    const db = createDb(infra.databaseUrl, {
      max: config.db.poolSize,
      idleTimeoutMs: config.db.idleTimeoutMs,
      statementTimeoutMs: config.db.statementTimeoutMs,
      applicationName: 'herald',
    });
    steps.push('db pool close', () => closeDb(db));
    const eager = Boolean(roles.api && roles.worker && (o.eagerStart ?? config.temporal.eagerStart));
    const conns = o.noTemporal ? { close: async () => undefined } : await connectHerald(config, infra.temporalAddress, roles, eager);
    steps.push('Temporal connections close', () => conns.close());
    const resolve = o.resolve ?? systemResolver;
    const apiDeps =
      roles.api && conns.apiClient ? createApiDeps({ db, temporal: conns.apiClient, config, resolve, log, eagerStart: eager }) : undefined;
    if (apiDeps) steps.push('dispatched marks flush', () => apiDeps.dispatched.flush());
    const handles: HeraldHandles = { config, log, infra, db, temporal: conns.client, apiDeps };

    let stopping = false;
    let starting: Promise<HeraldHandles> | undefined;
    const alive = () => {
      if (stopping) throw new Error('Herald was stopped while starting');
    };
    const migrate = async (): Promise<string[]> => {
      const migrationDb = createDb(infra.databaseUrl, {
        max: 2,
        statementTimeoutMs: config.db.migrationStatementTimeoutMs,
        applicationName: 'herald-migrate',
      });
      try {
        return await migrateToLatest(migrationDb);
      } finally {
        await closeDb(migrationDb);
      }
    };
    const start = async (): Promise<HeraldHandles> => {
      if (o.migrate !== false) await migrate();
      alive();
      // With the embedded PostgreSQL (development) an unset key is not warned about.
      if (startupChecks && (roles.api || roles.worker))
        void checkSecretKeys(db, config.encryptionKeys, log, {
          production: baseConfig.databaseUrl !== undefined || o.databaseUrl !== undefined,
        }).catch((err) => log.warn('signing secret key check failed', { message: err instanceof Error ? err.message : String(err) }));
      if (o.defaultTeam) handles.firstTeam = await ensureDefaultTeam(db);
      if (roles.workerMetrics) {
        const metrics = await startWorkerMetricsServer(config, db, log);
        if (metrics) steps.push('worker metrics close', () => closeServer(metrics));
        handles.workerMetricsServer = metrics;
      }
      alive();
      if (roles.worker && conns.workerConnection) {
        const worker = await createHeraldWorker({
          connection: conns.workerConnection,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          deps: createActivityDeps({ db, config, log, resolve }),
          workflowBundle: o.workflowBundle ?? (await bundle)!,
          maxConcurrentWorkflowTasks: o.maxConcurrentWorkflowTasks,
        });
        alive();
        const run = worker.run();
        run.catch(() => undefined); // the owner reads it from handles.workerRun; stop() awaits it
        steps.push(
          'worker shutdown',
          async () => {
            if (worker.getState() === 'RUNNING') worker.shutdown();
            await run.catch(() => undefined);
          },
          30_000,
        );
        Object.assign(handles, { worker, workerRun: run });
      }
      if (roles.sweeps && conns.client) {
        const temporal = conns.client;
        const sweepDb = createDb(infra.databaseUrl, {
          max: 2,
          idleTimeoutMs: config.db.idleTimeoutMs,
          statementTimeoutMs: config.db.backgroundStatementTimeoutMs,
          applicationName: 'herald-sweeps',
        });
        steps.push('sweeps db pool close', () => closeDb(sweepDb));
        const stops = [
          startSweeper({ db: sweepDb, config, temporal }, log),
          startReconciler({ db: sweepDb, temporal, taskQueue: config.temporal.taskQueue }, log),
          startRetention({ db: sweepDb, config }, log),
        ];
        steps.push('sweeps stop', async () => {
          for (const stop of stops) stop();
        });
      }
      if (apiDeps) {
        const server = createApiServer(apiDeps);
        handles.server = server;
        steps.push('API server close', () => closeServer(server));
        handles.apiUrl = await listenApi(server, o.host ?? config.api.host, o.port ?? config.api.port);
        alive();
      }
      return handles;
    };
    return {
      handles,
      start: () => (starting ??= start()),
      migrate,
      stop: async () => {
        stopping = true;
        // A start in progress finishes its current step (or fails at the next) before teardown.
        await steps.bounded(
          starting?.catch(() => undefined),
          15_000,
          'start in progress',
        );
        await steps.run();
      },
    };
  } catch (err) {
    await steps.run();
    throw err;
  }
}
