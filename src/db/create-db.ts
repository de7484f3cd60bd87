import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

// BIGINT counts (count(*)) arrive as strings by default; they fit in a JS number here.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function createDb(connectionString: string, opts: { max?: number } = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10, connectionTimeoutMillis: 5_000 });
  // A connection lost while idle or mid-query (Postgres restarted) must not crash the process:
  // the query in flight rejects, the pool discards the client and dials a new one later.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
