import { createApiServer } from '../api/http-server.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/create-db.js';
import { createLogger } from '../log.js';
import { checkSecretKeys } from '../security/secret-key-usage.js';
import { systemResolver } from '../security/url-safety.js';
import { connectClient } from '../temporal/connect.js';
import { startTracing } from '../observability/tracing.js';

/** `npm run api`: a stateless API process against external Temporal and Postgres. */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'api');
  const tracing = startTracing(config);
  if (!config.databaseUrl || !config.temporal.address) throw new Error('npm run api needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for embedded defaults)');
  const db = createDb(config.databaseUrl);
  void checkSecretKeys(db, config.encryptionKeys, log, { production: true }).catch((err) => log.warn('signing secret key check failed', { message: err instanceof Error ? err.message : String(err) }));
  const { client, connection } = await connectClient(config, config.temporal.address);
  const server = createApiServer({ db, temporal: client, config, resolve: systemResolver, log });
  await new Promise<void>((r) => server.listen(config.api.port, config.api.host, r));
  log.info('api listening', { host: config.api.host, port: config.api.port });
  await new Promise<void>((resolve) => {
    // `on`, not `once`: a second signal must not end the process mid-shutdown.
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  try {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  } finally {
    await tracing?.shutdown();
    await connection.close();
    await db.destroy();
  }
}

run().catch((err) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
