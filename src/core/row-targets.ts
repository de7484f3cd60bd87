import type { Kysely } from 'kysely';
import { isOperationalEventType } from '../catalogs/operational-events.js';
import type { Database, EventRow } from '../db/database.js';
import type { FanOutTarget, OrderedTarget } from './fan-out.js';

/** Event type of `webhooks.test` pings; outside any catalog, sent to one webhook only. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Events whose deliveries are the rows written with them, never every matching subscriber. */
export function isRowTargeted(type: string): boolean {
  return type === TEST_EVENT_TYPE || isOperationalEventType(type);
}

/**
 * The targets of an event whose delivery rows were written with it: a `webhook.test` ping (a `*`
 * subscriber must not get another webhook's ping) and operational events
 * (catalogs/operational-events.ts: never the webhook they are about). `rows`: the webhooks of
 * its rows that still exist; `gone`: rows whose webhook was deleted. Undefined for a ping with
 * no rows: then it is dispatched like any event (a team may name its own type `webhook.test`);
 * an operational event with no rows goes to nobody.
 */
export async function rowTargets(db: Kysely<Database>, event: EventRow): Promise<{ targets: FanOutTarget[]; gone: string[] } | undefined> {
  if (!isRowTargeted(event.type)) return undefined;
  const rows = await db
    .selectFrom('deliveries as d')
    .leftJoin('webhooks as w', (j) => j.onRef('w.id', '=', 'd.webhook_id').onRef('w.team_id', '=', 'd.team_id'))
    .select(['d.id as deliveryId', 'w.id', 'w.http_method', 'w.url'])
    .where('d.team_id', '=', event.team_id)
    .where('d.event_id', '=', event.id)
    .execute();
  if (!rows.length) return isOperationalEventType(event.type) ? { targets: [], gone: [] } : undefined;
  return {
    targets: rows.flatMap((r) => (r.id && r.http_method && r.url ? [{ id: r.id, http_method: r.http_method, url: r.url }] : [])),
    gone: rows.filter((r) => r.id === null).map((r) => r.deliveryId),
  };
}

/**
 * A stored event's fifo deliveries: the rows publish numbered in the event's own statement
 * (insert-event-with-deliveries.ts), with their webhooks' method and URL. Each is started as an
 * ordered delivery; a fifo webhook matching now but not then has no row and gets none.
 */
export async function fifoTargets(db: Kysely<Database>, event: EventRow): Promise<OrderedTarget[]> {
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoin('webhooks as w', (j) => j.onRef('w.id', '=', 'd.webhook_id').onRef('w.team_id', '=', 'd.team_id'))
    .select(['w.id', 'w.http_method', 'w.url', 'd.ordering_key', 'd.sequence'])
    .where('d.team_id', '=', event.team_id)
    .where('d.event_id', '=', event.id)
    .where('d.sequence', 'is not', null)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    http_method: r.http_method,
    url: r.url,
    ordering_key: r.ordering_key ?? '',
    sequence: Number(r.sequence),
  }));
}
