import type { Kysely } from 'kysely';
import { newId } from '../services/ids.js';
import type { Database } from '../db/database.js';
import { generateApiKey } from '../security/api-keys.js';
import { insertTeamInFlight } from '../repositories/team-in-flight-repo.js';

/**
 * Creates a team, its row of the per-team in-flight cap (team-in-flight-repo.ts; the first
 * attempt would create it otherwise) and its first API key; the key is returned once and stored hashed.
 */
export async function createTeamWithKey(db: Kysely<Database>, name: string): Promise<{ teamId: string; key: string }> {
  return db.transaction().execute(async (trx) => {
    const teamId = newId('team');
    await trx.insertInto('teams').values({ id: teamId, name, max_active_webhooks: null, created_at: new Date() }).execute();
    await insertTeamInFlight(trx, teamId);
    const key = await createKey(trx, teamId, 'default');
    return { teamId, key };
  });
}

export async function createKey(db: Kysely<Database>, teamId: string, name: string): Promise<string> {
  const { key, prefix, hash } = generateApiKey();
  await db
    .insertInto('api_keys')
    .values({ id: newId('key'), team_id: teamId, name, prefix, key_hash: hash, created_at: new Date() })
    .execute();
  return key;
}

/** On first start only: a `default` team, so a newcomer has a key to try the API with. */
export async function ensureDefaultTeam(db: Kysely<Database>): Promise<{ teamId: string; key: string } | null> {
  const any = await db.selectFrom('teams').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  return createTeamWithKey(db, 'default');
}
