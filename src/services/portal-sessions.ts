import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import { badRequest, notFound } from './errors.js';

/** A session's one-time URL token and its cookie: 32 random bytes each, base64url; only their SHA-256 is stored. */
const secret = () => randomBytes(32).toString('base64url');
const hashOf = (value: string) => createHash('sha256').update(value).digest('hex');

export type PortalPermissions = 'read' | 'manage';

/** Who a portal cookie stands for: one team's one consumer (project), with its permissions. */
export interface PortalSession {
  id: string;
  teamId: string;
  projectId: string;
  permissions: PortalPermissions;
  expiresAt: Date;
  theme: Record<string, unknown> | null;
}

/**
 * A consumer-portal session for one consumer of `teamId` (by project id or the platform's `uid`):
 * answers its one-time token, which the portal URL carries until its first load exchanges it for
 * an HttpOnly cookie (exchangePortalToken). The token is not stored, only its hash.
 */
export async function createPortalSession(
  db: Kysely<Database>,
  teamId: string,
  input: { projectId?: string; uid?: string; ttlSeconds: number; permissions: PortalPermissions; theme?: Record<string, unknown> },
): Promise<{ session: PortalSession; token: string }> {
  if ((input.projectId === undefined) === (input.uid === undefined)) throw badRequest('consumer', 'give exactly one of projectId or uid');
  let q = db.selectFrom('projects').select(['id']).where('team_id', '=', teamId);
  q = input.projectId !== undefined ? q.where('id', '=', input.projectId) : q.where('uid', '=', input.uid!);
  const project = await q.executeTakeFirst();
  if (!project) throw notFound('project', input.projectId ?? input.uid!);
  const token = secret();
  const row = await db
    .insertInto('portal_sessions')
    .values({
      id: `ps_${randomBytes(10).toString('hex')}`,
      team_id: teamId,
      project_id: project.id,
      permissions: input.permissions,
      theme: input.theme ? JSON.stringify(input.theme) : null,
      token_hash: hashOf(token),
      expires_at: sql<Date>`now() + make_interval(secs => ${input.ttlSeconds})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { session: toSession(row), token };
}

/** Revokes every live session of one consumer; answers how many. Their cookies answer 401 from now on. */
export async function revokePortalSessions(db: Kysely<Database>, teamId: string, projectId: string): Promise<number> {
  const r = await db
    .updateTable('portal_sessions')
    .set({ revoked_at: new Date() })
    .where('team_id', '=', teamId)
    .where('project_id', '=', projectId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Exchanges a URL token for the session's cookie, once: a token already exchanged, expired or
 * revoked answers null, so a copied URL or one in the browser's history gives no access.
 */
export async function exchangePortalToken(db: Kysely<Database>, token: string): Promise<{ cookie: string; session: PortalSession } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const cookie = secret();
  const row = await db
    .updateTable('portal_sessions')
    .set({ exchanged_at: sql`now()`, cookie_hash: hashOf(cookie) })
    .where('token_hash', '=', hashOf(token))
    .where('exchanged_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
  return row ? { cookie, session: toSession(row) } : null;
}

/** The live session a cookie stands for, or null (unknown, expired or revoked). */
export async function sessionFromCookie(db: Kysely<Database>, cookie: string): Promise<PortalSession | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const row = await db
    .selectFrom('portal_sessions')
    .selectAll()
    .where('cookie_hash', '=', hashOf(cookie))
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row ? toSession(row) : null;
}

function toSession(r: {
  id: string;
  team_id: string;
  project_id: string;
  permissions: PortalPermissions;
  expires_at: Date;
  theme: Record<string, unknown> | null;
}): PortalSession {
  return { id: r.id, teamId: r.team_id, projectId: r.project_id, permissions: r.permissions, expiresAt: r.expires_at, theme: r.theme };
}
