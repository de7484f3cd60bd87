import { execFile } from 'node:child_process';
import type { PgTarget } from './temporal-cluster-config.js';

/**
 * Sets up or upgrades one Temporal database with the schema tool's embedded PostgreSQL 12
 * schemas: `setup-schema -v 0.0` (only the version tables; a no-op on a set-up database), then
 * `update-schema` to the newest version. Idempotent, so it runs on every start. The password
 * goes through the environment, not argv.
 */
export async function setupSchema(opts: {
  sqlTool: string;
  pg: PgTarget;
  database: string;
  schemaName: 'postgresql/v12/temporal' | 'postgresql/v12/visibility';
  log: (line: string) => void;
}): Promise<void> {
  const common = ['--ep', opts.pg.host, '-p', String(opts.pg.port), '-u', opts.pg.user, '--pl', 'postgres12', '--db', opts.database];
  const env = { ...process.env, SQL_PASSWORD: opts.pg.password };
  await run(opts.sqlTool, [...common, 'setup-schema', '-v', '0.0'], env);
  await run(opts.sqlTool, [...common, 'update-schema', '--schema-name', opts.schemaName], env);
  opts.log(`schema ${opts.schemaName} up to date in database ${opts.database}`);
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`temporal-sql-tool ${args.slice(-4).join(' ')} failed: ${err.message}\n${(stdout + stderr).slice(-4000)}`));
      else resolve(stdout);
    });
  });
}
