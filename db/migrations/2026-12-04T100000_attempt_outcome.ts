import type { Kysely } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// An attempt's decided outcome beside its record (issue 22, duplicates): `status` (succeeded,
// failed or retrying) and `reason` (the failure's text, null otherwise), written by the same
// record statement as the rest of the row. A re-run of the same (delivery, run, attempt) (a
// local activity run again after its workflow task was lost) finds them and answers them
// instead of sending again (core/attempt/load-target.ts). Rows recorded before this migration
// have neither: their re-runs send again, as before. Adding nullable columns rewrites nothing.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').addColumn('status', 'text').addColumn('reason', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').dropColumn('status').dropColumn('reason').execute();
}
