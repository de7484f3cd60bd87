import { type Kysely, sql } from 'kysely';
import { createIndexConcurrently, dropIndexIfExists } from './concurrent-index.js';

// Frozen migration: never edit after release, never import application code.
// A fifo delivery's predecessor and successor are found by (webhook, key, sequence ± 1), and its
// position by the unfinished ones before it. Built CONCURRENTLY (deliveries is large and written
// all the time), so outside a transaction.

export const transactional = false;

export async function up(db: Kysely<any>): Promise<void> {
  await createIndexConcurrently(
    db,
    'deliveries_sequence_idx',
    'deliveries',
    sql`(webhook_id, ordering_key, sequence) where sequence is not null`,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropIndexIfExists(db, 'deliveries_sequence_idx');
}
