import { createHerald } from '../app/create-herald.js';
import { loadConfig } from '../config.js';

/** `npm run worker`: a stateless worker against external Temporal (TEMPORAL_ADDRESS) and Postgres (DATABASE_URL). */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.temporal.address)
    throw new Error('npm run worker needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for embedded defaults)');
  const herald = await createHerald(config, {
    roles: { worker: true, sweeps: true, workerMetrics: true },
    overrides: { logName: 'worker', migrate: false },
  });
  try {
    const { workerRun } = await herald.start();
    // Started with --expose-gc and an IPC channel (the benchmark does), a 'gc' message runs a
    // full collection, so memory read from outside is live memory, not garbage awaiting
    // collection. (Not a signal: the SDK treats SIGUSR2 as a shutdown signal.)
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc && process.send) {
      process.on('message', (m) => m === 'gc' && gc());
      process.channel?.unref(); // the channel must not keep a stopped worker alive
    }
    herald.handles.log.info('worker running', { taskQueue: config.temporal.taskQueue });
    // Worker.run() handles SIGINT/SIGTERM itself: it drains in-flight tasks, then resolves.
    await workerRun;
  } finally {
    await herald.stop();
  }
}

run().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
