import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../db/database.js';
import { isOperationalEventType } from '../catalogs/operational-events.js';
import type { MatchedWebhook } from '../repositories/publish-repo.js';

/** Event type of `webhooks.test` pings; outside any catalog, sent to one webhook only. */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * The webhooks an undispatched `webhook.test` event was for: those of the delivery rows written
 * with it, never every webhook whose patterns match (a `*` subscriber must not get another
 * webhook's ping). Operational events (catalogs/operational-events.ts) are dispatched the same
 * way, to their rows only (none: to nobody). Undefined when the event has no delivery rows: then it is dispatched like any
 * event (a team may name its own type `webhook.test`). A row whose webhook is gone is cancelled.
 */
export async function pingTargets(db: Kysely<Database>, event: EventRow): Promise<MatchedWebhook[] | undefined> {
  // Operational events too: their rows were written with them, never for the webhook they are about.
  const operational = isOperationalEventType(event.type);
  if (event.type !== TEST_EVENT_TYPE && !operational) return undefined;
  const rows = await db
    .selectFrom('deliveries as d')
    .leftJoin('webhooks as w', (j) => j.onRef('w.id', '=', 'd.webhook_id').onRef('w.team_id', '=', 'd.team_id'))
    .select(['d.id as deliveryId', 'w.id', 'w.http_method', 'w.url'])
    .where('d.team_id', '=', event.team_id)
    .where('d.event_id', '=', event.id)
    .execute();
  if (!rows.length) return operational ? [] : undefined;
  const gone = rows.filter((r) => r.id === null).map((r) => r.deliveryId);
  if (gone.length) {
    await db.updateTable('deliveries').set({ status: 'cancelled', last_error: 'webhook deleted', reason: 'webhook deleted', updated_at: new Date() }).where('id', 'in', gone).where('status', '=', 'pending').execute();
  }
  return rows.flatMap((r) => (r.id && r.http_method && r.url ? [{ id: r.id, http_method: r.http_method, url: r.url }] : []));
}
