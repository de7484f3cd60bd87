import { type Kysely, sql } from 'kysely';

// Frozen migration: never edit after release, never import application code.
// The reconcile sweep checks deliveries still pending or retrying against Temporal (a workflow
// terminated or deleted from the Temporal UI never writes its row again); `reconciled_at` is
// when a sweep last found its workflow running, so the sweep goes round all of them in turn.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('reconciled_at', 'timestamptz').execute();
  await db.schema
    .createIndex('deliveries_reconcile_idx')
    .on('deliveries')
    .expression(sql`greatest(reconciled_at, updated_at)`)
    .where(sql.ref('status'), 'in', ['pending', 'retrying'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_reconcile_idx').execute();
  await db.schema.alterTable('deliveries').dropColumn('reconciled_at').execute();
}
