import { createHerald } from '../app/create-herald.js';
import { loadConfig } from '../config.js';

/** `npm run api`: a stateless API process against external Temporal and Postgres. */
async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl || !config.temporal.address)
    throw new Error('npm run api needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for embedded defaults)');
  const herald = await createHerald(config, { roles: { api: true }, overrides: { logName: 'api', migrate: false } });
  try {
    await herald.start();
    herald.handles.log.info('api listening', { host: config.api.host, port: config.api.port });
    await new Promise<void>((resolve) => {
      // `on`, not `once`: a second signal must not end the process mid-shutdown.
      process.on('SIGINT', () => resolve());
      process.on('SIGTERM', () => resolve());
    });
  } finally {
    await herald.stop();
  }
}

run().catch((err) => {
  process.stderr.write(`api failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
