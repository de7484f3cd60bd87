import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DatabaseUnreachableError } from './infra-errors.js';
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
  /** Set once the connection has ended or failed: a plain error of a query after that is the lost connection's. */
  connectionLost = false;
  constructor(config?: pg.ClientConfig) {
    super(config);
    this.on('end', () => (this.connectionLost = true));
    this.on('error', () => (this.connectionLost = true));
  }

  // pg's query() has many overloads; this forwards every one, naming only marked text queries.
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const named = typeof config === 'string' && config.startsWith(PREPARE);
    const name = named ? `h_${createHash('sha1').update(config).digest('hex').slice(0, 20)}` : undefined;
    const result = named
      ? (super.query as (...a: unknown[]) => unknown)({ name, text: config, values }, callback)
      : (super.query as (...a: unknown[]) => unknown)(config, values, callback);
    // The promise form (Kysely's): a connection lost mid-query rejects with a plain Error; say what it is.
    if (result instanceof Promise) {
      return result.catch((err: unknown) => {
        throw this.connectionLost && !(err instanceof pg.DatabaseError) ? new DatabaseUnreachableError(err) : err;
      }) as never;
    }
    return result as never;
  }
}

/** A pool whose failures to hand out a connection (refused, timed out) are DatabaseUnreachableError; the server's own answers pass as they are. */
class HeraldPool extends pg.Pool {
  override connect(...args: unknown[]): never {
    const result = (super.connect as (...a: unknown[]) => unknown)(...args);
    if (args.length || !(result instanceof Promise)) return result as never;
    return result.catch((err: unknown) => {
      throw err instanceof pg.DatabaseError ? err : new DatabaseUnreachableError(err);
    }) as never;
  }
}

export interface DbOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /**
   * PostgreSQL's statement_timeout for every statement on the pool's connections, ms; 0 or unset
   * = none. Sent in the connection's startup packet, so it holds from the first statement on and
   * survives a reconnect; a statement past it is cancelled by the server (SQLSTATE 57014,
   * infra-errors.ts `isStatementTimeout`), which frees the connection.
   */
  statementTimeoutMs?: number;
  /**
   * How long a connection may sit idle in the pool before it is closed, ms; 0 or unset = never.
   * pg's own default (10 s) closes the pool down after every pause in traffic, and the next burst
   * then pays for new backends: a connection's start-up, a cold catalog cache and every prepared
   * statement parsed and planned again (PreparingClient). Kept, the bench's p99 at 25/s, measured
   * right after 40 s of idle, was 0.38× (bench/results/compare-2026-12-04T02-30-26.md).
   */
  idleTimeoutMs?: number;
  /** application_name, so pg_stat_activity tells the pools apart. */
  applicationName?: string;
}

export function createDb(connectionString: string, opts: DbOptions = {}): Kysely<Database> {
  const pool = new HeraldPool({
    connectionString,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 0,
    Client: PreparingClient,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.applicationName ? { application_name: opts.applicationName } : {}),
  });
  // A connection lost while idle or mid-query (Postgres restarted) must not crash the process:
  // the query in flight rejects, the pool discards the client and dials a new one later.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/**
 * Closes the pool of a createDb() handle. Kysely's destroy() ends the pool only once a query has
 * initialised its driver; this ends it either way, so a handle closed before its first query
 * refuses later queries instead of quietly dialling new connections.
 */
export async function closeDb(db: Kysely<Database>): Promise<void> {
  await db.destroy();
  const pool = pools.get(db);
  if (pool && !pool.ended) await pool.end();
}
