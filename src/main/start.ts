import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createApiServer } from '../api/http-server.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/create-db.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../log.js';
import { checkSecretKeys } from '../security/secret-key-usage.js';
import { systemResolver } from '../security/url-safety.js';
import { connectClient, connectWorker } from '../temporal/connect.js';
import { createActivityDeps } from '../worker/create-activity-deps.js';
import { createHeraldWorker } from '../worker/create-worker.js';
import { installRuntime } from '../worker/install-runtime.js';
import { startTracing, temporalClientInterceptors } from '../observability/tracing.js';
import { startReconciler } from '../worker/reconcile-deliveries.js';
import { startSweeper } from '../worker/sweep-undispatched.js';
import { ensureDefaultTeam } from './bootstrap-team.js';
import { startInfrastructure } from './infrastructure.js';

/** `npm start`: embedded PostgreSQL and Temporal (unless configured), migrations, worker and API in one process. */
async function run(): Promise<void> {
  const t0 = Date.now();
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'herald');
  await installRuntime(config);
  const tracing = startTracing(config);
  if (config.delivery.allowPrivateTargets) log.warn('HERALD_ALLOW_PRIVATE_TARGETS=true: http and private/loopback targets are allowed. Development only.');
  const infra = await startInfrastructure(config, log);
  const db = createDb(infra.databaseUrl);
  const { client, connection } = await connectClient(config, infra.temporalAddress);
  const workerConnection = await connectWorker(config, infra.temporalAddress);
  let server: Server | undefined;
  let worker: Worker | undefined;
  let runPromise: Promise<void> | undefined;
  let stopSweepers: (() => void) | undefined;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down', { signal });
    const hardStop = setTimeout(() => process.exit(1), 15_000).unref();
    stopSweepers?.();
    server?.close();
    server?.closeAllConnections();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await runPromise?.catch(() => undefined);
    await workerConnection.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await db.destroy();
    await tracing?.shutdown();
    await infra.stop();
    clearTimeout(hardStop);
    log.info('stopped');
  };
  // `on`, not `once`: a second Ctrl-C during shutdown must not find the process without a
  // listener of ours (it would then end mid-shutdown, leaving the embedded servers behind).
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await migrateToLatest(db);
  // With the embedded PostgreSQL (development) an unset key is not warned about.
  void checkSecretKeys(db, config.encryptionKeys, log, { production: config.databaseUrl !== undefined }).catch((err) => log.warn('signing secret key check failed', { message: err instanceof Error ? err.message : String(err) }));
  const firstTeam = await ensureDefaultTeam(db);
  worker = await createHeraldWorker({
    connection: workerConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: createActivityDeps({ db, config, log }),
  });
  runPromise = worker.run();
  const stops = [startSweeper({ db, config, temporal: client }, log), startReconciler({ db, temporal: client, taskQueue: config.temporal.taskQueue }, log)];
  stopSweepers = () => stops.forEach((stop) => stop());
  // Co-located API and worker: the API may start deliveries on the worker's connection, eagerly.
  const eagerStart = config.temporal.eagerStart;
  const apiTemporal = eagerStart ? new Client({ connection: workerConnection, namespace: config.temporal.namespace, interceptors: temporalClientInterceptors(config) }) : client;
  server = createApiServer({ db, temporal: apiTemporal, config, resolve: systemResolver, log, eagerStart });
  await new Promise<void>((resolve) => server!.listen(config.api.port, config.api.host, resolve));

  const apiUrl = config.api.publicUrl ?? `http://${config.api.host}:${config.api.port}`;
  const lines = [
    '',
    `Herald is running (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    `  API:         ${apiUrl}/trpc   (health: ${apiUrl}/healthz${config.observability.metricsEnabled ? `, metrics: ${apiUrl}/metrics` : ''})`,
    `  REST:        ${apiUrl}/v1     (reference: ${apiUrl}/docs, OpenAPI: ${apiUrl}/openapi.json)`,
    ...(config.delivery.allowPrivateTargets ? [`  Dev echo:    ${apiUrl}/dev/echo/<channel>   (a webhook receiver for local tries)`] : []),
    `  Temporal UI: ${infra.temporalUiUrl ?? '(external cluster)'}`,
    `  Temporal:    ${infra.temporalAddress}, namespace ${config.temporal.namespace}`,
  ];
  if (firstTeam) lines.push('', `  First start: created team "default" with API key (shown once, stored hashed):`, `    ${firstTeam.key}`);
  lines.push('', 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
}

run().catch((err) => {
  process.stderr.write(`herald failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
