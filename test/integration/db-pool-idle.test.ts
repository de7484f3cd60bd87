import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/create-db.js';
import type { Database } from '../../src/db/database.js';

/** pg's own idleTimeoutMillis default, ms: what the pool used to close connections after. */
const PG_DEFAULT_IDLE_MS = 10_000;

const backendPid = async (db: Kysely<Database>) =>
  (await sql<{ pid: number }>`/*prepare*/ select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;

const alive = async (observer: Kysely<Database>, pid: number) =>
  (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where pid = ${pid}`.execute(observer)).rows[0]!.n === 1;

describe('the connection pool across a pause in traffic', () => {
  const observer = createDb(inject('pgAdminUrl'), { max: 1 });
  afterAll(() => closeDb(observer));

  it('keeps an idle connection, and its prepared statements, past pg’s 10 s default by default', async () => {
    const db = createDb(inject('pgAdminUrl'), { max: 1 });
    try {
      const pid = await backendPid(db);
      const until = Date.now() + PG_DEFAULT_IDLE_MS + 1_000;
      while (Date.now() < until) {
        expect(await alive(observer, pid)).toBe(true);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(await backendPid(db)).toBe(pid);
      const prepared = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(db);
      expect(prepared.rows[0]!.n).toBe(1);
    } finally {
      await closeDb(db);
    }
  }, 30_000);

  it('closes a connection idle longer than idleTimeoutMs, and the next query opens a new one', async () => {
    const db = createDb(inject('pgAdminUrl'), { max: 1, idleTimeoutMs: 200 });
    try {
      const pid = await backendPid(db);
      await expect.poll(() => alive(observer, pid), { timeout: 10_000, interval: 100 }).toBe(false);
      expect(await backendPid(db)).not.toBe(pid);
    } finally {
      await closeDb(db);
    }
  });
});
