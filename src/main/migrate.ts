import { createHerald } from '../app/create-herald.js';
import { loadConfig } from '../config.js';

/** `npm run migrate`: DATABASE_URL, or the embedded PostgreSQL under the data dir. */
async function run(): Promise<void> {
  const config = loadConfig();
  // No role: the database alone (embedded or DATABASE_URL); the migrations run here, to report them.
  const herald = await createHerald(config, { overrides: { logName: 'migrate', noTemporal: true, migrate: false } });
  try {
    const applied = await herald.migrate();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } finally {
    await herald.stop();
  }
}

run().catch((err) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
