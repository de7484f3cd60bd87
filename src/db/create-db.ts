import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

// BIGINT counts (count(*)) arrive as strings by default; they fit in a JS number here.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** SQL that starts with this comment runs as a named prepared statement (see PreparingClient). */
export const PREPARE = '/*prepare*/';

/**
 * A pg client that prepares the hot path's statements once per connection: SQL text starting
 * with PREPARE runs as a named statement (name = hash of the text), so Postgres parses and plans
 * it once per connection instead of on every call (measured here: 97 → 17 µs of Postgres CPU
 * for the attempt's load statement). Only fixed texts carry the marker, so the set stays small.
 */
class PreparingClient extends pg.Client {
  // pg's query() has many overloads; this forwards every one, naming only marked text queries.
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (typeof config === 'string' && config.startsWith(PREPARE)) {
      const name = `h_${createHash('sha1').update(config).digest('hex').slice(0, 20)}`;
      return (super.query as (...a: unknown[]) => never)({ name, text: config, values }, callback);
    }
    return (super.query as (...a: unknown[]) => never)(config, values, callback);
  }
}

export function createDb(connectionString: string, opts: { max?: number } = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10, connectionTimeoutMillis: 5_000, Client: PreparingClient });
  // A connection lost while idle or mid-query (Postgres restarted) must not crash the process:
  // the query in flight rejects, the pool discards the client and dials a new one later.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
