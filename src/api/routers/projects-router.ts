import { z } from 'zod';
import { newId } from '../../services/ids.js';
import { conflict, notFound } from '../../services/errors.js';
import { idText, nameText } from '../text-fields.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

const toDto = (p: { id: string; name: string; created_at: Date }) => ({ id: p.id, name: p.name, createdAt: p.created_at.toISOString() });

export const projectsRouter = router({
  create: adminProcedure.input(z.object({ name: nameText(100) })).mutation(async ({ ctx, input }) => {
    const row = await ctx.deps.db
      .insertInto('projects')
      .values({ id: newId('prj'), team_id: ctx.team.id, name: input.name, created_at: new Date() })
      .onConflict((oc) => oc.columns(['team_id', 'name']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw conflict(`project name already in use: ${input.name}`);
    return toDto(row);
  }),
  list: readProcedure.query(async ({ ctx }) => ({
    data: (await ctx.deps.db.selectFrom('projects').selectAll().where('team_id', '=', ctx.team.id).orderBy('created_at').execute()).map(
      toDto,
    ),
  })),
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
    return { id: input.id, deleted: true as const };
  }),
});
