import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

export interface EventTypeInput {
  name: string;
  description: string;
  schema?: Record<string, unknown> | null;
}

/** Inserts the types that are new; existing names are left as they are. Returns the added names. */
export async function importEventTypes(db: Kysely<Database>, teamId: string, types: readonly EventTypeInput[]): Promise<string[]> {
  if (!types.length) return [];
  const now = new Date();
  const rows = await db
    .insertInto('event_types')
    .values(
      types.map((t) => ({
        team_id: teamId,
        name: t.name,
        description: t.description,
        schema: t.schema ? JSON.stringify(t.schema) : null,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['team_id', 'name']).doNothing())
    .returning('name')
    .execute();
  return rows.map((r) => r.name);
}
