import { WorkflowNotFoundError } from '@temporalio/client';
import { queuePositions } from '../../core/ordering/queue-positions.js';
import { z } from 'zod';
import type { DeliveryRow } from '../../db/database.js';
import { DELIVERY_STATUSES } from '../../core/delivery-transitions.js';
import { findDelivery } from '../../repositories/deliveries-repo.js';
import { findWebhook } from '../../repositories/webhooks-repo.js';
import type { Context } from '../context.js';
import { keysetPage } from '../cursor.js';
import { deliveryDto, readDelivery } from '../../services/read-delivery.js';
import { isRunning, replay } from '../../services/replay-deliveries.js';
import { readRecoveryStatus } from '../../services/recovery-status.js';
import { startRecovery } from '../../services/start-recovery.js';
import { conflict, notFound } from '../../services/errors.js';
import { freeText, idText } from '../text-fields.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

const idInput = z.object({ id: idText(300) });

async function requireDelivery(ctx: Context & { team: { id: string } }, id: string): Promise<DeliveryRow> {
  const row = await findDelivery(ctx.deps.db, ctx.team.id, id);
  if (!row) throw notFound('delivery', id);
  return row;
}

async function signalRunning(ctx: Context & { team: { id: string } }, id: string, send: () => Promise<void>) {
  const row = await requireDelivery(ctx, id);
  try {
    if (!(await isRunning(ctx, id))) throw conflict(`delivery ${id} is not running (status: ${row.status})`);
    await send();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw conflict(`delivery ${id} is not running (status: ${row.status})`);
    throw err;
  }
  return { id, signalled: true as const };
}

export const deliveriesRouter = router({
  list: readProcedure
    .input(
      z
        .object({
          webhookId: idText(64, 0).optional(),
          eventId: idText(128, 0).optional(),
          projectId: idText(64).optional().describe("The deliveries to one consumer's (project's) webhooks only."),
          status: z.enum(DELIVERY_STATUSES).optional(),
          pageSize: z.number().int().min(1, 'must be 1–100').max(100, 'must be 1–100').default(25),
          cursor: z.string().max(400).optional(),
        })
        .default({ pageSize: 25 }),
    )
    .query(async ({ ctx, input }) => {
      let q = ctx.deps.db.selectFrom('deliveries').selectAll().where('team_id', '=', ctx.team.id);
      if (input.webhookId) q = q.where('webhook_id', '=', input.webhookId);
      if (input.eventId) q = q.where('event_id', '=', input.eventId);
      if (input.projectId) {
        const projectId = input.projectId;
        q = q.where('webhook_id', 'in', (eb) =>
          eb.selectFrom('webhooks').select('id').where('team_id', '=', ctx.team.id).where('project_id', '=', projectId),
        );
      }
      if (input.status) q = q.where('status', '=', input.status);
      const { page, nextCursor } = await keysetPage<typeof q, DeliveryRow>(q, input);
      const positions = await queuePositions(ctx.deps.db, page);
      return { data: page.map((d) => deliveryDto(d, positions.get(d.id) ?? null)), nextCursor };
    }),

  /** Status plus every attempt: from the running workflow, or from PostgreSQL once it has closed (read-delivery.ts). */
  get: readProcedure.input(idInput).query(async ({ ctx, input }) => readDelivery(ctx.deps, await requireDelivery(ctx, input.id))),

  cancel: adminProcedure
    .input(idInput.extend({ reason: freeText(200).optional() }))
    .mutation(({ ctx, input }) =>
      signalRunning(ctx, input.id, () =>
        ctx.deps.temporal.workflow.getHandle(input.id).signal('cancel', input.reason ?? 'cancelled by operator'),
      ),
    ),

  retryNow: adminProcedure
    .input(idInput)
    .mutation(({ ctx, input }) => signalRunning(ctx, input.id, () => ctx.deps.temporal.workflow.getHandle(input.id).signal('retryNow'))),

  replay: adminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    await replay(ctx, await requireDelivery(ctx, input.id));
    return { id: input.id, replayed: true as const };
  }),

  /**
   * Replays every failed delivery of a webhook created since a time (e.g. after the receiver's
   * outage), as a recovery workflow: answers at once with its id (services/start-recovery.ts).
   */
  recover: adminProcedure
    .input(z.object({ webhookId: idText(64), since: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }) }))
    .mutation(async ({ ctx, input }) => {
      if (!(await findWebhook(ctx.deps.db, ctx.team.id, input.webhookId))) throw notFound('webhook', input.webhookId);
      return startRecovery(ctx, input.webhookId, 'failed', new Date(input.since));
    }),

  /** A recovery's progress (deliveries.recover, webhooks.enable with `recover`); another team's id: NOT_FOUND. */
  recoveryStatus: readProcedure.input(z.object({ id: idText(300) })).query(({ ctx, input }) => readRecoveryStatus(ctx, input.id)),
});
