import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDb, PREPARE } from '../../src/db/create-db.js';

describe('prepared hot statements', () => {
  const db = createDb(inject('pgAdminUrl'), { max: 1 });
  afterAll(async () => {
    await db.destroy();
  });

  it('runs SQL marked with PREPARE as one named statement per connection, and other SQL unnamed', async () => {
    const marked = (n: number) => sql<{ n: number }>`/*prepare*/ select ${n}::int + 1 as n`.execute(db);
    expect(`/*prepare*/`).toBe(PREPARE);
    expect((await marked(1)).rows[0]!.n).toBe(2);
    expect((await marked(41)).rows[0]!.n).toBe(42);
    await sql`select ${1}::int as unmarked`.execute(db);
    // max: 1, so this runs on the same connection as the statements above.
    const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toMatch(/^h_[0-9a-f]{20}$/);
    expect(rows[0]!.statement).toContain('/*prepare*/ select');
  });
});
