import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/create-db.js';
import type { Database } from '../../src/db/database.js';
import { migrations } from '../../db/migrations/index.js';
import { migrateToLatest, runsOutsideTransaction } from '../../src/db/migrate.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/receiver.js';

const MIGRATION = '2026-12-03T140001_read_path_indexes';
/** Migrations named after it: undone too when it is forgotten, since the migrator applies in name order and refuses a gap. */
const LATER = Object.keys(migrations)
  .filter((name) => name > MIGRATION)
  .sort();
const INDEXES = ['deliveries_webhook_last_attempt_idx', 'events_team_type_created_idx', 'deliveries_team_webhook_created_idx'];

async function indexStates(db: Kysely<any>): Promise<Record<string, { valid: boolean; unique: boolean }>> {
  const { rows } = await sql<{ name: string; valid: boolean; unique: boolean }>`
    select c.relname as name, i.indisvalid as valid, i.indisunique as unique
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname in (${sql.join(INDEXES)})
  `.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, { valid: r.valid, unique: r.unique }]));
}

/**
 * Forgets the migration: its indexes dropped and its record gone, as on a database from before
 * it; the migrations after it undone first (newest first).
 */
async function forgetMigration(db: Kysely<any>): Promise<void> {
  for (const name of [...LATER].reverse()) {
    await migrations[name]!.down!(db);
    await sql`delete from kysely_migration where name = ${name}`.execute(db);
  }
  for (const name of INDEXES) await sql`drop index if exists ${sql.id(name)}`.execute(db);
  await sql`delete from kysely_migration where name = ${MIGRATION}`.execute(db);
}

let n = 0;
const deliveryRow = () => ({
  id: `delivery:mig-${n++}`,
  team_id: 'team_mig',
  event_id: `evt_${n}`,
  webhook_id: 'wh_mig',
  event_type: 'mig.test',
  status: 'succeeded',
});

describe('index migrations on large tables', () => {
  let h: Harness;
  let writer: Kysely<Database>;
  let holder: Kysely<Database>;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
    writer = createDb(h.config.databaseUrl!, { max: 1 });
    holder = createDb(h.config.databaseUrl!, { max: 1 });
  });
  afterAll(async () => {
    await writer?.destroy();
    await holder?.destroy();
    await h?.close();
  });

  it('applies the read-path indexes as valid indexes, marked to run outside a transaction', async () => {
    expect(runsOutsideTransaction(MIGRATION)).toBe(true);
    const states = await indexStates(h.db);
    for (const name of INDEXES) expect(states[name], name).toEqual({ valid: true, unique: false });
  });

  it('builds its indexes concurrently: inserts into deliveries go on while the build waits, and a rerun is a no-op', async () => {
    await forgetMigration(h.db);
    // An open transaction that wrote to deliveries: CREATE INDEX CONCURRENTLY waits for it to end,
    // and a plain CREATE INDEX would queue a SHARE lock behind it that blocks every later insert.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const open = holder.transaction().execute(async (tx) => {
      await tx.insertInto('deliveries').values(deliveryRow()).execute();
      await released;
    });
    const migrating = migrateToLatest(h.db);
    try {
      await waitFor(
        async () => {
          const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and query ilike 'create index concurrently%' and wait_event_type = 'Lock'
        `.execute(h.db);
          return rows[0]!.n > 0;
        },
        30_000,
        'the index build to wait for the open transaction',
      );
      // While the build is under way another writer's insert is not blocked (lock_timeout would end it).
      const t0 = Date.now();
      await writer.connection().execute(async (c) => {
        await sql`set lock_timeout = '3s'`.execute(c);
        await c.insertInto('deliveries').values(deliveryRow()).execute();
        await sql`reset lock_timeout`.execute(c);
      });
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      release();
      await open;
    }
    expect(await migrating).toEqual([MIGRATION, ...LATER]);
    const states = await indexStates(h.db);
    for (const name of INDEXES) expect(states[name], name).toEqual({ valid: true, unique: false });
    expect(await migrateToLatest(h.db)).toEqual([]);
  });

  it('drops and rebuilds an INVALID index left by an interrupted concurrent build', async () => {
    await forgetMigration(h.db);
    // Two rows of one webhook make a unique concurrent build fail, leaving an INVALID index of that name.
    await h.db.insertInto('deliveries').values([deliveryRow(), deliveryRow()]).execute();
    const failed = await sql`create unique index concurrently deliveries_webhook_last_attempt_idx on deliveries (webhook_id)`
      .execute(h.db)
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    expect((await indexStates(h.db)).deliveries_webhook_last_attempt_idx).toEqual({ valid: false, unique: true });

    expect(await migrateToLatest(h.db)).toEqual([MIGRATION, ...LATER]);
    const states = await indexStates(h.db);
    for (const name of INDEXES) expect(states[name], name).toEqual({ valid: true, unique: false });
  });
});
