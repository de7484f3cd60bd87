import { Client } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { createDb } from '../db/create-db.js';
import { createLogger } from '../log.js';
import { checkSecretKeys } from '../security/secret-key-usage.js';
import { connectWorker } from '../temporal/connect.js';
import { createActivityDeps } from '../worker/create-activity-deps.js';
import { createHeraldWorker } from '../worker/create-worker.js';
import { installRuntime } from '../worker/install-runtime.js';
import { startWorkerMetricsServer } from '../observability/metrics-endpoint.js';
import { startTracing, temporalClientInterceptors } from '../observability/tracing.js';
import { startReconciler } from '../worker/reconcile-deliveries.js';
import { startSweeper } from '../worker/sweep-undispatched.js';

/** `npm run worker`: a stateless worker against external Temporal (TEMPORAL_ADDRESS) and Postgres (DATABASE_URL). */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'worker');
  await installRuntime(config);
  const tracing = startTracing(config);
  if (!config.databaseUrl || !config.temporal.address) throw new Error('npm run worker needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for embedded defaults)');
  if (config.delivery.allowPrivateTargets) log.warn('HERALD_ALLOW_PRIVATE_TARGETS=true: http and private/loopback targets are allowed. Development only.');
  const db = createDb(config.databaseUrl);
  void checkSecretKeys(db, config.encryptionKeys, log, { production: true }).catch((err) => log.warn('signing secret key check failed', { message: err instanceof Error ? err.message : String(err) }));
  const connection = await connectWorker(config, config.temporal.address);
  const metricsServer = await startWorkerMetricsServer(config, db, log);
  try {
    const worker = await createHeraldWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: createActivityDeps({ db, config, log }),
    });
    const temporal = new Client({ connection, namespace: config.temporal.namespace, interceptors: temporalClientInterceptors(config) });
    const stopSweeper = startSweeper({ db, config, temporal }, log);
    const stopReconciler = startReconciler({ db, temporal, taskQueue: config.temporal.taskQueue }, log);
    // Started with --expose-gc and an IPC channel (the benchmark does), a 'gc' message runs a
    // full collection, so memory read from outside is live memory, not garbage awaiting
    // collection. (Not a signal: the SDK treats SIGUSR2 as a shutdown signal.)
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc && process.send) {
      process.on('message', (m) => m === 'gc' && gc());
      process.channel?.unref(); // the channel must not keep a stopped worker alive
    }
    log.info('worker running', { taskQueue: config.temporal.taskQueue });
    // Worker.run() handles SIGINT/SIGTERM itself: it drains in-flight tasks, then resolves.
    await worker.run().finally(() => {
      stopSweeper();
      stopReconciler();
    });
  } finally {
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    await tracing?.shutdown();
    await connection.close();
    await db.destroy();
  }
}

run().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
