import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// Events keep the text of `data` exactly as published (key order, number spellings, big
// integers, `__proto__` keys), which `jsonb` cannot: `data_raw` holds it, and new rows no longer
// fill `data`. Rows stored before keep `data` and are delivered from it as before. Upgrade
// workers before (or with) API processes: an older worker reads only `data`.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table events
    add column data_raw text,
    alter column data drop not null,
    add constraint events_data_present check (data is not null or data_raw is not null) not valid`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update events set data = data_raw::jsonb where data is null`.execute(db);
  await sql`alter table events
    drop constraint events_data_present,
    alter column data set not null,
    drop column data_raw`.execute(db);
}
