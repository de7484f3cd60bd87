import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { startDelivery } from '../api/start-workflows.js';
import type { RaisedEvent } from '../repositories/delivery-attempts-repo.js';
import type { ActivityDeps } from './create-activities.js';

/**
 * Starts the deliveries of the operational events an attempt raised (their event and pending rows
 * are already stored, in the attempt's own record statement), with the worker's own Temporal
 * client, then marks each event dispatched. Never throws: the attempt is recorded and must not be
 * sent again for this; an event whose start failed stays undispatched and the undispatched sweep
 * starts it (to the webhooks of its delivery rows only, as for pings) a minute or two later.
 */
export async function startRaisedEvents(deps: ActivityDeps, teamId: string, raised: RaisedEvent[]): Promise<void> {
  const client = Context.current().client;
  for (const event of raised) {
    try {
      await Promise.all(
        event.hooks.map((h) =>
          startDelivery(client, deps.config.temporal.taskQueue, { teamId, eventId: event.id, webhookId: h.id, eventType: event.type, httpMethod: h.http_method, url: h.url }, false).catch((err) => {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }),
        ),
      );
      await deps.db.updateTable('events').set({ dispatched_at: new Date() }).where('team_id', '=', teamId).where('id', '=', event.id).execute();
      deps.log.info('operational event raised', { teamId, eventId: event.id, type: event.type, subscribers: event.hooks.length });
    } catch (err) {
      deps.log.warn('could not start an operational event; the undispatched sweep will', { teamId, eventId: event.id, type: event.type, error: String(err) });
    }
  }
}
