import { sql } from 'kysely';
import { z } from 'zod';
import { SEED_CATALOGS, findSeedCatalog } from '../../catalogs/seed-catalogs.js';
import { importEventTypes } from '../../repositories/event-types-repo.js';
import { EVENT_TYPE_NAME } from '../../delivery/event-type-patterns.js';
import { compileSchema } from '../../delivery/payload-schema.js';
import { countSubschemas, findCostlySchema, MAX_SUBSCHEMAS_PER_CALL } from '../../security/schema-bounds.js';
import { findUnsafePattern, SCHEMA_CHECK_BUDGET_MS } from '../../security/schema-patterns.js';
import { badRequest, notFound } from '../../services/errors.js';
import { formatPath } from '../field-path.js';
import { jsonObject } from '../json-fields.js';
import { freeText } from '../text-fields.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';
import { eventTypeCacheKey } from '../../services/lookup-caches.js';

const nameSchema = z.string().regex(EVENT_TYPE_NAME, 'must be 1–128 letters, digits, `.`, `_` or `-`, starting with a letter or digit');
const jsonSchema = jsonObject().nullable();
const eventTypeInput = z.object({
  name: nameSchema,
  description: freeText(1000).default(''),
  schema: jsonSchema.optional(),
});

function assertValidSchema(schema: Record<string, unknown> | null | undefined, field = 'schema', deadline?: number): void {
  if (!schema) return;
  // Bounds first (schema-bounds.ts): an over-large schema is never compiled.
  const costly = findCostlySchema(schema);
  if (costly) throw badRequest(formatPath([...field.split('.'), ...costly.path]), costly.reason);
  const compiled = compileSchema(schema);
  if (!compiled.ok) throw badRequest(field, `invalid JSON Schema: ${compiled.message}`);
  const unsafe = findUnsafePattern(schema, deadline);
  if (unsafe) throw badRequest(formatPath([...field.split('.'), ...unsafe.path]), unsafe.reason);
}

type Row = {
  name: string;
  description: string;
  schema: Record<string, unknown> | null;
  archived: boolean;
  created_at: Date;
  updated_at: Date;
};
const toDto = (r: Row) => ({
  name: r.name,
  description: r.description,
  schema: r.schema,
  archived: r.archived,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const eventTypesRouter = router({
  create: adminProcedure.input(eventTypeInput).mutation(async ({ ctx, input }) => {
    assertValidSchema(input.schema);
    const added = await importEventTypes(ctx.deps.db, ctx.team.id, [input]);
    if (!added.length) throw badRequest('name', `event type already exists: ${input.name}`);
    const row = await ctx.deps.db
      .selectFrom('event_types')
      .selectAll()
      .where('team_id', '=', ctx.team.id)
      .where('name', '=', input.name)
      .executeTakeFirstOrThrow();
    return toDto(row);
  }),

  list: readProcedure
    .input(z.object({ includeArchived: z.boolean().default(false) }).default({ includeArchived: false }))
    .query(async ({ ctx, input }) => {
      let q = ctx.deps.db.selectFrom('event_types').selectAll().where('team_id', '=', ctx.team.id);
      if (!input.includeArchived) q = q.where('archived', '=', false);
      return { data: (await q.orderBy('name').execute()).map(toDto) };
    }),

  update: adminProcedure
    .input(z.object({ name: nameSchema, description: freeText(1000).optional(), schema: jsonSchema.optional() }))
    .mutation(async ({ ctx, input }) => {
      assertValidSchema(input.schema);
      const row = await ctx.deps.db
        .updateTable('event_types')
        .set({
          description: input.description,
          schema: input.schema === undefined ? undefined : input.schema === null ? null : JSON.stringify(input.schema),
          updated_at: new Date(),
        })
        .where('team_id', '=', ctx.team.id)
        .where('name', '=', input.name)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('event type', input.name);
      ctx.deps.caches.eventTypes.delete(eventTypeCacheKey(ctx.team.id, input.name));
      return toDto(row);
    }),

  /** Archived types cannot be published or subscribed to; existing subscriptions stay. */
  archive: adminProcedure.input(z.object({ name: nameSchema, archived: z.boolean().default(true) })).mutation(async ({ ctx, input }) => {
    const row = await ctx.deps.db
      .updateTable('event_types')
      .set({ archived: input.archived, updated_at: sql`now()` })
      .where('team_id', '=', ctx.team.id)
      .where('name', '=', input.name)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('event type', input.name);
    ctx.deps.caches.eventTypes.delete(eventTypeCacheKey(ctx.team.id, input.name));
    return toDto(row);
  }),

  /** Many at once, from a list or from one of the seed platforms' catalogs. */
  import: adminProcedure
    .input(
      z.union([
        z.object({ catalog: z.enum(SEED_CATALOGS.map((c) => c.id) as [string, ...string[]]) }),
        z.object({ eventTypes: z.array(eventTypeInput).min(1, 'must list 1 or more event types').max(1000, 'at most 1000 event types') }),
      ]),
    )
    .mutation(async ({ ctx, input }) => {
      const types = 'catalog' in input ? [...findSeedCatalog(input.catalog)!.eventTypes] : input.eventTypes;
      const deadline = Date.now() + SCHEMA_CHECK_BUDGET_MS;
      if ('eventTypes' in input) {
        const total = input.eventTypes.reduce((n, t) => n + (t.schema ? countSubschemas(t.schema) : 0), 0);
        if (total > MAX_SUBSCHEMAS_PER_CALL)
          throw badRequest(
            'eventTypes',
            `their schemas must hold at most ${MAX_SUBSCHEMAS_PER_CALL} schemas in all, subschemas counted (got ${total}); import them in smaller parts`,
          );
        for (const [i, t] of input.eventTypes.entries()) assertValidSchema(t.schema, `eventTypes.${i}.schema`, deadline);
      }
      const added = await importEventTypes(ctx.deps.db, ctx.team.id, types);
      return { added: added.length, skipped: types.length - added.length, names: added };
    }),

  catalogs: readProcedure.query(() => SEED_CATALOGS.map((c) => ({ id: c.id, title: c.title, eventTypes: c.eventTypes.length }))),
});
