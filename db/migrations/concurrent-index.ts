import { type Kysely, type RawBuilder, sql } from 'kysely';

// Frozen like the migrations: once a migration uses this, never change what it does; add a new
// helper instead. Never import application code.

/**
 * A migration module that marks itself `transactional = false` runs alone, outside any
 * transaction (src/db/migrate.ts), on the migrator's one connection, while the migration lock is
 * held. Such migrations must be safe to run again from the start: the migrator records one as
 * done only after its `up` returned, so a crash in between repeats it.
 */
export interface NonTransactionalMigration {
  transactional: false;
  up(db: Kysely<any>): Promise<void>;
  down?(db: Kysely<any>): Promise<void>;
}

/**
 * Builds index `name` with CREATE INDEX CONCURRENTLY, so writes to the table go on while it is
 * built (a plain CREATE INDEX holds a SHARE lock, blocking every insert and update, for the whole
 * build). Idempotent: a valid index of that name is left as it is; an INVALID one (the leftover
 * of a build that was interrupted: a crash, a cancel, a statement timeout) is dropped
 * concurrently and built again. Only in a non-transactional migration: PostgreSQL refuses
 * CONCURRENTLY inside a transaction block. `definition` is what follows `ON table`, e.g.
 * sql`(team_id, type, created_at desc, id desc)`.
 */
export async function createIndexConcurrently(
  db: Kysely<any>,
  name: string,
  table: string,
  definition: RawBuilder<unknown>,
): Promise<void> {
  const found = await sql<{ valid: boolean }>`
    select i.indisvalid as valid
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    where c.relname = ${name} and c.relnamespace = current_schema()::regnamespace
  `.execute(db);
  const existing = found.rows[0];
  if (existing?.valid) return;
  if (existing) await sql`drop index concurrently if exists ${sql.id(name)}`.execute(db);
  await sql`create index concurrently if not exists ${sql.id(name)} on ${sql.id(table)} ${definition}`.execute(db);
}

/**
 * The reverse, for `down`: a plain DROP INDEX IF EXISTS. It takes the table's lock only for the
 * catalog change (no scan), and unlike DROP INDEX CONCURRENTLY it also runs inside a transaction,
 * where a migrator going down (e.g. Kysely's migrateTo) may run it.
 */
export async function dropIndexIfExists(db: Kysely<any>, name: string): Promise<void> {
  await sql`drop index if exists ${sql.id(name)}`.execute(db);
}
