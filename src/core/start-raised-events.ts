import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { fanOut } from './fan-out.js';
import type { RaisedEvent } from './operational-events-sql.js';

/**
 * Starts the deliveries of the operational events an attempt raised (their event and pending rows
 * are already stored, in the attempt's own record statement) through the fan-out corridor, which
 * marks each dispatched; to the webhooks of their rows, one start each, whatever their number.
 * Never throws: the attempt is recorded and must not be sent again for this; an event whose start
 * failed stays undispatched and the undispatched sweep starts it (to the webhooks of its delivery
 * rows only, as for pings) a minute or two later.
 */
export async function startRaisedEvents(
  deps: { db: Kysely<Database>; temporal: Client; config: { temporal: { taskQueue: string } }; log: Logger },
  teamId: string,
  raised: RaisedEvent[],
): Promise<void> {
  for (const event of raised) {
    try {
      await fanOut(
        deps,
        { team_id: teamId, id: event.id, type: event.type, project_id: event.project_id },
        { kind: 'direct', targets: event.hooks },
      );
      deps.log.info('operational event raised', { teamId, eventId: event.id, type: event.type, subscribers: event.hooks.length });
    } catch (err) {
      deps.log.warn('could not start an operational event; the undispatched sweep will', {
        teamId,
        eventId: event.id,
        type: event.type,
        error: String(err),
      });
    }
  }
}
