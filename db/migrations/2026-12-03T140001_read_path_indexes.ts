import { type Kysely, sql } from 'kysely';
import { createIndexConcurrently, dropIndexIfExists } from './concurrent-index.js';

// Frozen migration: never edit after release, never import application code.
// Indexes for the API reads that otherwise walk every row of a webhook or a team, built
// CONCURRENTLY (outside a transaction: `transactional = false`) because events and deliveries
// may be large and are written all the time:
// - webhooks.get's latest run: the newest attempted delivery of one webhook.
// - events.list filtered by type: a team's events of one type, newest first (keyset order).
// - deliveries.list filtered by webhook: a webhook's deliveries, newest first (keyset order).

export const transactional = false;

export async function up(db: Kysely<any>): Promise<void> {
  await createIndexConcurrently(
    db,
    'deliveries_webhook_last_attempt_idx',
    'deliveries',
    sql`(webhook_id, last_attempt_at desc) where last_attempt_at is not null`,
  );
  await createIndexConcurrently(db, 'events_team_type_created_idx', 'events', sql`(team_id, type, created_at desc, id desc)`);
  await createIndexConcurrently(
    db,
    'deliveries_team_webhook_created_idx',
    'deliveries',
    sql`(team_id, webhook_id, created_at desc, id desc)`,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropIndexIfExists(db, 'deliveries_team_webhook_created_idx');
  await dropIndexIfExists(db, 'events_team_type_created_idx');
  await dropIndexIfExists(db, 'deliveries_webhook_last_attempt_idx');
}
