import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { newId } from '../../services/ids.js';
import { conflict, notFound } from '../../services/errors.js';
import { idText, nameText } from '../text-fields.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

/**
 * Projects, which are also the portal's consumers (docs/consumers.md): a project scopes events
 * (published with `projectId`) and the webhooks that get them, so it already is "a platform
 * customer and its endpoints"; `uid` is the platform's own id for that customer.
 */
const toDto = (p: { id: string; name: string; uid: string | null; created_at: Date }) => ({
  id: p.id,
  name: p.name,
  uid: p.uid,
  createdAt: p.created_at.toISOString(),
});

const uidText = idText(128).describe("The platform's own id for this consumer (unique per team).");

/** A unique-index refusal of PostgreSQL, as the API's 409. */
function uniqueConflict(err: unknown, input: { name?: string; uid?: string | null }): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'projects_team_uid_idx') throw conflict(`project uid already in use: ${input.uid}`);
  if (e.code === '23505') throw conflict(`project name already in use: ${input.name}`);
  throw err;
}

async function findProject(db: Kysely<Database>, teamId: string, id: string) {
  return db.selectFrom('projects').selectAll().where('team_id', '=', teamId).where('id', '=', id).executeTakeFirst();
}

export const projectsRouter = router({
  create: adminProcedure.input(z.object({ name: nameText(100), uid: uidText.optional() })).mutation(async ({ ctx, input }) => {
    const row = await ctx.deps.db
      .insertInto('projects')
      .values({ id: newId('prj'), team_id: ctx.team.id, name: input.name, uid: input.uid ?? null, created_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err) => uniqueConflict(err, input));
    return toDto(row);
  }),
  list: readProcedure.query(async ({ ctx }) => ({
    data: (await ctx.deps.db.selectFrom('projects').selectAll().where('team_id', '=', ctx.team.id).orderBy('created_at').execute()).map(
      toDto,
    ),
  })),
  get: readProcedure.input(z.object({ id: idText(64) })).query(async ({ ctx, input }) => {
    const row = await findProject(ctx.deps.db, ctx.team.id, input.id);
    if (!row) throw notFound('project', input.id);
    return toDto(row);
  }),
  /** `uid: null` removes the platform id. */
  update: adminProcedure
    .input(z.object({ id: idText(64), name: nameText(100).optional(), uid: uidText.nullable().optional() }))
    .mutation(async ({ ctx, input }) => {
      const row = await ctx.deps.db
        .updateTable('projects')
        .set({ ...(input.name !== undefined ? { name: input.name } : {}), ...(input.uid !== undefined ? { uid: input.uid } : {}) })
        .where('team_id', '=', ctx.team.id)
        .where('id', '=', input.id)
        .returningAll()
        .executeTakeFirst()
        .catch((err) => uniqueConflict(err, input));
      if (!row) throw notFound('project', input.id);
      return toDto(row);
    }),
  /** Refused while webhooks belong to the project: detaching them would widen what they receive. */
  delete: adminProcedure.input(z.object({ id: idText(64) })).mutation(async ({ ctx, input }) => {
    const used = await ctx.deps.db
      .selectFrom('webhooks')
      .select('id')
      .where('team_id', '=', ctx.team.id)
      .where('project_id', '=', input.id)
      .limit(1)
      .executeTakeFirst();
    if (used) throw conflict(`project ${input.id} still has webhooks; delete or move them first`);
    const r = await ctx.deps.db.deleteFrom('projects').where('team_id', '=', ctx.team.id).where('id', '=', input.id).executeTakeFirst();
    if (r.numDeletedRows === 0n) throw notFound('project', input.id);
    // Its portal sessions end with it.
    await ctx.deps.db.deleteFrom('portal_sessions').where('team_id', '=', ctx.team.id).where('project_id', '=', input.id).execute();
    return { id: input.id, deleted: true as const };
  }),
});
