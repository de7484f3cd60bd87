import { insertPendingDeliveries } from '../../src/core/delivery-status.js';
import type { Harness } from './harness.js';
import { waitFor } from './receiver.js';

type Api = ReturnType<Harness['client']>;

/** A team with one event type in its catalog, ready to subscribe and publish. */
export async function teamWithType(h: Harness, type = 'video.media.ready', opts: { maxActiveWebhooks?: number } = {}) {
  const team = await h.createTeam();
  if (opts.maxActiveWebhooks)
    await h.db.updateTable('teams').set({ max_active_webhooks: opts.maxActiveWebhooks }).where('id', '=', team.teamId).execute();
  const api = h.client(team.key);
  await api.eventTypes.create.mutate({ name: type, description: '' });
  return { ...team, api, type };
}

/** Waits until the delivery reaches one of the given statuses; returns it with its attempts. */
export async function waitForDelivery(api: Api, id: string, statuses: string[], timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const d = await api.deliveries.get.query({ id }).catch(() => undefined);
      return d && statuses.includes(d.status) ? d : undefined;
    },
    timeoutMs,
    `delivery ${id} to reach ${statuses.join('|')}`,
  );
}

export const deliveryIdOf = (eventId: string, webhookId: string) => `delivery:${eventId}:${webhookId}`;

/**
 * An event and its pending delivery row, stored with no workflow started: for tests that drive
 * the attempt activity by hand. Returns the delivery id.
 */
export async function pendingDeliveryWithoutWorkflow(
  h: Harness,
  t: { teamId: string; type: string },
  eventId: string,
  webhookId: string,
): Promise<string> {
  await h.db
    .insertInto('events')
    .values({
      team_id: t.teamId,
      id: eventId,
      type: t.type,
      project_id: null,
      data: '{}',
      created_at: new Date(),
      dispatched_at: new Date(),
    })
    .execute();
  const id = deliveryIdOf(eventId, webhookId);
  await insertPendingDeliveries(h.db, [{ id, teamId: t.teamId, eventId, webhookId, eventType: t.type }]);
  return id;
}
