import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { EventRow } from '../../db/database.js';
import { isOperationalEventType } from '../../catalogs/operational-events.js';
import { EVENT_TYPE_NAME } from '../../delivery/event-type-patterns.js';
import { eventDataText } from '../../delivery/event-body.js';
import { validatePayload } from '../../delivery/payload-schema.js';
import { unsafeStoredSchemaRule } from '../stored-schema-rule.js';
import { badRequest, notFound } from '../../services/errors.js';
import { assertEventDataRules, publishedDataText } from '../event-data.js';
import { newId } from '../../services/ids.js';
import { dispatchEvent } from '../../core/dispatch-event.js';
import { DIRECT_FANOUT_MAX, fanOut, planFor } from '../../core/fan-out.js';
import { findEventType } from '../../services/find-event-type.js';
import { insertEventWithDeliveries } from '../../core/insert-event-with-deliveries.js';
import { deliveryWorkflowId } from '../../workflows/delivery-contract.js';
import { eraseEventPayload } from '../../services/erase-event-payload.js';
import { adminProcedure, publishProcedure, readProcedure, router } from '../trpc.js';
import { keysetPage } from '../cursor.js';
import { idText } from '../text-fields.js';
import { startWithinPublishDeadline } from '../publish-unconfirmed.js';

/** Largest accepted `data`, as the JSON text sent (bytes). */
export const MAX_EVENT_DATA_BYTES = 256 * 1024;
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

// `data` is returned parsed; receivers get the stored text itself (event-body.ts). Erased: null.
const toDto = (e: EventRow) => ({
  id: e.id,
  type: e.type,
  projectId: e.project_id,
  data: e.payload_erased_at ? null : (JSON.parse(eventDataText(e)) as Record<string, unknown>),
  createdAt: e.created_at.toISOString(),
  dispatchedAt: e.dispatched_at?.toISOString() ?? null,
  payloadErasedAt: e.payload_erased_at?.toISOString() ?? null,
  orderingKey: e.ordering_key ?? null,
});

const publishSchema = z.object({
  type: z.string().regex(EVENT_TYPE_NAME, 'must be an event type name'),
  data: z.record(z.string(), z.unknown(), 'must be a JSON object'),
  id: z.string().regex(EVENT_ID, 'must be 1–128 letters, digits, `.`, `_` or `-`').optional(),
  projectId: idText(64).optional(),
  orderingKey: idText(256)
    .optional()
    .describe(
      'On fifo webhooks, events of one key are delivered one at a time in publish order; keys proceed independently (docs/ordered-delivery.md).',
    ),
});

export const eventsRouter = router({
  /**
   * Stores the event, then starts its dispatch. Idempotent on `id`: the same id returns the
   * stored event and never fans out twice (Postgres' primary key guards it beyond Temporal's retention).
   * The workflow starts run under HERALD_PUBLISH_TIMEOUT_MS (publish-unconfirmed.ts): past it, or
   * with Temporal unreachable, the answer is SERVICE_UNAVAILABLE carrying the (generated) event id.
   */
  publish: publishProcedure.input(publishSchema).mutation(async ({ ctx, input, batchIndex }) => {
    const { db } = ctx.deps;
    const teamId = ctx.team.id;
    // Stored, signed and sent as this exact text (event-data.ts), never re-serialised.
    const dataText = publishedDataText(ctx, input.data, batchIndex);
    const size = Buffer.byteLength(dataText, 'utf8');
    if (size > MAX_EVENT_DATA_BYTES) {
      throw new TRPCError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `data: must be at most ${MAX_EVENT_DATA_BYTES} bytes as JSON (got ${size})`,
      });
    }
    assertEventDataRules(dataText);
    if (isOperationalEventType(input.type)) throw badRequest('type', `${input.type} is an operational event; only Herald publishes it`);
    const type = await findEventType(ctx.deps, teamId, input.type);
    if (!type) throw badRequest('type', `unknown event type: ${input.type}`);
    if (type.archived) throw badRequest('type', `event type is archived: ${input.type}`);
    if (type.schema) {
      const problem = validatePayload(type.schema, JSON.parse(dataText));
      if (problem?.kind === 'invalid') throw badRequest(problem.field, problem.rule);
      if (problem) throw badRequest('type', unsafeStoredSchemaRule(input.type, problem.unsafe));
    }
    if (input.projectId) {
      const p = await db
        .selectFrom('projects')
        .select('id')
        .where('team_id', '=', teamId)
        .where('id', '=', input.projectId)
        .executeTakeFirst();
      if (!p) throw notFound('project', input.projectId);
    }
    const id = input.id ?? newId('evt');
    // Store and start in the team's lane: a team flooding the API waits for its own turn.
    return ctx.deps.publishLanes.run(teamId, async () => {
      // One round trip: event, matching webhooks and their pending rows (insert-event-with-deliveries.ts).
      const inserted = await insertEventWithDeliveries(
        db,
        { teamId, id, type: input.type, projectId: input.projectId ?? null, data: dataText, orderingKey: input.orderingKey ?? null },
        deliveryWorkflowId(id, ''),
        DIRECT_FANOUT_MAX,
      );
      if (inserted) {
        // Stored dispatched when nobody subscribes (insertEventWithDeliveries): nothing to start then.
        if (!inserted.event.dispatched_at)
          await startWithinPublishDeadline(ctx.deps, id, () =>
            fanOut({ ...ctx.deps, marker: ctx.deps.dispatched }, inserted.event, planFor(inserted.hooks, inserted.ordered)),
          );
        return { ...toDto(inserted.event), duplicate: false };
      }
      const event = await db.selectFrom('events').selectAll().where('team_id', '=', teamId).where('id', '=', id).executeTakeFirstOrThrow();
      // A replayed publish whose first try died before dispatch finished gets dispatched now.
      if (!event.dispatched_at) await startWithinPublishDeadline(ctx.deps, id, () => dispatchEvent(ctx.deps, event));
      return { ...toDto(event), duplicate: true };
    });
  }),

  get: readProcedure.input(z.object({ id: idText(128) })).query(async ({ ctx, input }) => {
    const e = await ctx.deps.db
      .selectFrom('events')
      .selectAll()
      .where('team_id', '=', ctx.team.id)
      .where('id', '=', input.id)
      .executeTakeFirst();
    if (!e) throw notFound('event', input.id);
    return toDto(e);
  }),

  /**
   * Erases the stored payload (like Svix's "delete message payload"): `data` reads null from now
   * on, id, type and times stay; running deliveries are cancelled and replays refused
   * (services/erase-event-payload.ts). Admin scope: only events.publish is a publish key's.
   */
  erasePayload: adminProcedure.input(z.object({ id: idText(128) })).mutation(async ({ ctx, input }) => {
    const { event, cancelledDeliveries } = await eraseEventPayload(ctx, input.id);
    return { ...toDto(event), cancelledDeliveries };
  }),

  list: readProcedure
    .input(
      z
        .object({
          type: idText(128, 0).optional(),
          projectId: idText(64).optional().describe("One consumer's (project's) events only."),
          pageSize: z.number().int().min(1, 'must be 1–100').max(100, 'must be 1–100').default(25),
          cursor: z.string().max(200).optional(),
        })
        .default({ pageSize: 25 }),
    )
    .query(async ({ ctx, input }) => {
      let q = ctx.deps.db.selectFrom('events').selectAll().where('team_id', '=', ctx.team.id);
      if (input.type) q = q.where('type', '=', input.type);
      if (input.projectId) q = q.where('project_id', '=', input.projectId);
      const { page, nextCursor } = await keysetPage<typeof q, EventRow>(q, input);
      return { data: page.map(toDto), nextCursor };
    }),
});
