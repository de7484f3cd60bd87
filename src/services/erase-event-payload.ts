import type { EventRow } from '../db/database.js';
import { reasons } from '../core/delivery-reasons.js';
import { clearEventResponseBodies, erasePayloadRow } from '../repositories/events-repo.js';
import { signalCancel } from './cancel-webhook-deliveries.js';
import { notFound } from './errors.js';
import type { ServiceContext } from './service-deps.js';

/**
 * events.erasePayload: the stored payload is cleared (events-repo.ts), then every running
 * delivery of the event is signalled `cancel` ("event payload erased"). From the erase on, no
 * attempt sends it: the attempt's load stops on an erased event (core/attempt/load-target.ts),
 * so a delivery the signal misses (not started yet, Temporal briefly unreachable) stops at its
 * next attempt with the same reason; an attempt already on the wire when the erase commits
 * finishes sending. Replays of its deliveries are refused (services/replay-deliveries.ts). The
 * response bodies of its attempt records are emptied too: a receiver may echo what it got.
 * Repeating the call is harmless. Unknown, or another team's: NOT_FOUND.
 */
export async function eraseEventPayload(ctx: ServiceContext, id: string): Promise<{ event: EventRow; cancelledDeliveries: number }> {
  const event = await erasePayloadRow(ctx.deps.db, ctx.team.id, id);
  if (!event) throw notFound('event', id);
  const running = await ctx.deps.db
    .selectFrom('deliveries')
    .select('id')
    .where('team_id', '=', ctx.team.id)
    .where('event_id', '=', id)
    .where('status', 'in', ['pending', 'retrying'])
    .execute();
  const cancelledDeliveries = await signalCancel(ctx.deps, running, reasons.eventErased().text);
  // After the cancels: an attempt that was on the wire has recorded by the time a later erase call runs.
  await clearEventResponseBodies(ctx.deps.db, ctx.team.id, id);
  return { event, cancelledDeliveries };
}
