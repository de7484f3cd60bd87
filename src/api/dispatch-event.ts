import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { EventRow } from '../db/database.js';
import { insertPendingDeliveries } from '../repositories/deliveries-repo.js';
import type { MatchedWebhook } from '../repositories/publish-repo.js';
import { findMatchingWebhookIds } from '../repositories/webhooks-repo.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import type { ApiDeps } from './context.js';
import { startDelivery, startDispatch } from './start-workflows.js';
import { pingTargets } from './test-ping.js';

/**
 * Up to this many matching webhooks, publish starts the delivery workflows itself (one start
 * call each, no dispatch workflow in between); above it, a dispatch workflow fans out in batches.
 */
export const DIRECT_FANOUT_MAX = 10;

type DispatchDeps = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'eagerStart'>;

/**
 * Hands an accepted event to Temporal. Resolves once every delivery (or the dispatch) is durably
 * started; then marks the event dispatched, so a retried publish of the same id skips this.
 * Safe to run twice: workflow ids are deterministic and duplicate starts are ignored.
 * (The first publish of an event takes the one-statement path in events-router instead.)
 */
export async function dispatchEvent(deps: DispatchDeps, event: EventRow): Promise<void> {
  const { db } = deps;
  const pinged = await pingTargets(db, event);
  const hooks = pinged ?? (await findMatchingWebhookIds(db, event.team_id, event.type, event.project_id, null, DIRECT_FANOUT_MAX + 1));
  if (!pinged && hooks.length && hooks.length <= DIRECT_FANOUT_MAX) {
    await insertPendingDeliveries(
      db,
      hooks.map((h) => ({ id: deliveryWorkflowId(event.id, h.id), teamId: event.team_id, eventId: event.id, webhookId: h.id, eventType: event.type })),
    );
  }
  await startWorkflowsFor(deps, event, hooks);
  await db.updateTable('events').set({ dispatched_at: new Date() }).where('team_id', '=', event.team_id).where('id', '=', event.id).execute();
}

/**
 * Starts the event's workflows: one delivery per webhook when there are at most
 * DIRECT_FANOUT_MAX (their pending rows must exist already), else one dispatch workflow.
 */
export async function startWorkflowsFor(deps: DispatchDeps, event: EventRow, hooks: readonly MatchedWebhook[]): Promise<void> {
  const { temporal, config } = deps;
  if (hooks.length > DIRECT_FANOUT_MAX) {
    await startDispatch(temporal, config.temporal.taskQueue, { teamId: event.team_id, eventId: event.id, eventType: event.type, projectId: event.project_id });
    return;
  }
  await Promise.all(
    hooks.map((h) =>
      startDelivery(temporal, config.temporal.taskQueue, { teamId: event.team_id, eventId: event.id, webhookId: h.id, eventType: event.type, httpMethod: h.http_method, url: h.url }, false, deps.eagerStart).catch((err) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }),
    ),
  );
}
