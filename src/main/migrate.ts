import { loadConfig } from '../config.js';
import { createDb } from '../db/create-db.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../log.js';
import { startInfrastructure } from './infrastructure.js';

/** `npm run migrate`: DATABASE_URL, or the embedded PostgreSQL under the data dir. */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'migrate');
  const infra = await startInfrastructure(config, log, { temporal: false });
  const db = createDb(infra.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } finally {
    await db.destroy();
    await infra.stop();
  }
}

run().catch((err) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
