import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { isWildcard, patternMatches } from '../delivery/event-type-patterns.js';
import { checkUrl } from '../security/url-safety.js';
import type { ServiceDeps } from './service-deps.js';
import { badRequest, conflict, notFound } from './errors.js';
import { lockTeamAndCountActive } from '../repositories/webhooks-repo.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The URL rule of seed 000: https, port 443, public addresses only (unless the dev flag is set). */
export async function assertSafeUrl(deps: ServiceDeps, url: string): Promise<void> {
  const check = await checkUrl(url, { allowPrivate: deps.config.delivery.allowPrivateTargets, resolve: deps.resolve });
  if (!check.ok) throw badRequest('url', check.message.replace(/^url:\s*/, ''));
}

export async function assertProjectExists(db: Db, teamId: string, projectId: string): Promise<void> {
  const p = await db.selectFrom('projects').select('id').where('team_id', '=', teamId).where('id', '=', projectId).executeTakeFirst();
  if (!p) throw notFound('project', projectId);
}

/** Every name must be in the team's live catalog; a pattern must match at least one type. */
export async function assertKnownEventTypes(db: Db, teamId: string, names: string[]): Promise<void> {
  const catalog = await db.selectFrom('event_types').select('name').where('team_id', '=', teamId).where('archived', '=', false).execute();
  const known = new Set(catalog.map((r) => r.name));
  const unknown = names.filter((n) => (isWildcard(n) ? n !== '*' && !catalog.some((c) => patternMatches(n, c.name)) : !known.has(n)));
  if (unknown.length) throw badRequest('eventTypes', `unknown event types: ${unknown.join(', ')}`);
}

/** Seed 000: at most N active webhooks per team (409 when exceeded). */
export async function assertActiveLimit(trx: Transaction<Database>, deps: ServiceDeps, teamId: string, excludeId?: string): Promise<void> {
  const { active, limit } = await lockTeamAndCountActive(trx, teamId, excludeId);
  const max = limit ?? deps.config.limits.maxActiveWebhooks;
  if (active >= max) throw conflict(`active webhook limit reached: a team can have at most ${max} active webhooks`);
}
