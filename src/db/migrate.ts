import { type Kysely, Migrator, type MigrationProvider, sql } from 'kysely';
import { migrations } from '../../db/migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Session advisory lock key held around a whole migrateToLatest (Kysely's own lock covers one step). */
const HERALD_MIGRATE_LOCK = sql.lit(0x4865_7261_6c64); // "Herald"

/** True for a migration module that exports `transactional = false` (db/migrations/concurrent-index.ts). */
export function runsOutsideTransaction(name: string): boolean {
  return (migrations[name] as { transactional?: boolean } | undefined)?.transactional === false;
}

/**
 * Brings the schema up to date, one migration at a time, in order; throws with the failing
 * migration's name. An ordinary migration runs in its own transaction (with its record in the
 * migration table); a `transactional = false` one runs on one connection without a transaction
 * (CREATE INDEX CONCURRENTLY). Up to date: a no-op.
 *
 * Herald's own session advisory lock, held on a connection of its own for the whole run, makes
 * concurrent migrators (several processes starting at once) take turns, so the next pending
 * migration and the way it runs are decided by the one that holds it. The pool needs at least two
 * connections. A migration that fails leaves the ones before it applied.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return db.connection().execute(async (lockConn) => {
    await sql`select pg_advisory_lock(${HERALD_MIGRATE_LOCK})`.execute(lockConn);
    try {
      return await applyPending(db);
    } finally {
      await sql`select pg_advisory_unlock(${HERALD_MIGRATE_LOCK})`.execute(lockConn);
    }
  });
}

async function applyPending(db: Kysely<any>): Promise<string[]> {
  const inTransaction = new Migrator({ db, provider });
  const outside = new Migrator({ db, provider, disableTransactions: true });
  const applied: string[] = [];
  for (;;) {
    const next = (await inTransaction.getMigrations()).find((m) => !m.executedAt)?.name;
    if (!next) return applied;
    const { error, results } = await (runsOutsideTransaction(next) ? outside : inTransaction).migrateUp();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`migration ${failed?.migrationName ?? next} failed: ${String(error ?? 'error')}`, { cause: error });
    }
    if (!results?.length) throw new Error(`migration ${next} is pending but the migrator ran nothing`);
    applied.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
  }
}
