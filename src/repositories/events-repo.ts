import { type Kysely, sql } from 'kysely';
import type { Database, EventRow } from '../db/database.js';

/**
 * Erases one event's payload: `data` and `data_raw` are cleared and `payload_erased_at` set (kept
 * from the first erase on a repeat). Id, type, project and times stay. Returns the row as it is
 * now, or undefined when the team has no such event.
 */
export async function erasePayloadRow(db: Kysely<Database>, teamId: string, id: string): Promise<EventRow | undefined> {
  return db
    .updateTable('events')
    .set({ data: null, data_raw: null, payload_erased_at: sql`coalesce(payload_erased_at, now())` })
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .returning(['team_id', 'id', 'type', 'project_id', 'data', 'data_raw', 'created_at', 'dispatched_at', 'payload_erased_at'])
    .executeTakeFirst();
}

/** Whether the event's payload was erased; false for an event that does not exist (any more). */
export async function isPayloadErased(db: Kysely<Database>, teamId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('payload_erased_at')
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Boolean(row?.payload_erased_at);
}

/**
 * Empties the response bodies of the attempt records of an event's deliveries (a receiver may
 * echo the payload it was sent); one statement over the event's fan-out. Returns how many.
 */
export async function clearEventResponseBodies(db: Kysely<Database>, teamId: string, eventId: string): Promise<number> {
  const r = await db
    .updateTable('delivery_attempts')
    .set({ response_body: '' })
    .where('delivery_id', 'in', (eb) =>
      eb.selectFrom('deliveries').select('id').where('team_id', '=', teamId).where('event_id', '=', eventId),
    )
    .where('response_body', '<>', '')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
