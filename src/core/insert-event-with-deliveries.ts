import { type Kysely, sql } from 'kysely';
import { pendingRowsSql } from './delivery-status.js';
import type { FanOutTarget } from './fan-out.js';
import { filterDocSql, passesFilterSql, subscribesSql } from '../delivery/subscribers.js';
import type { Database, EventRow } from '../db/database.js';

export interface NewEvent {
  teamId: string;
  id: string;
  type: string;
  projectId: string | null;
  /** `data` as the JSON text the publisher sent; stored verbatim in `data_raw`. */
  data: string;
}

export type MatchedWebhook = FanOutTarget;

/**
 * The publish path's one round trip: inserts the event, finds up to `directMax + 1` active
 * webhooks that match it (same rules as findMatchingWebhookIds: subscription and filter), and, when there are at most
 * `directMax`, inserts their pending delivery rows (id = `deliveryIdPrefix` + webhook id).
 * Returns undefined when an event with this id already exists (nothing is written then).
 */
export async function insertEventWithDeliveries(
  db: Kysely<Database>,
  e: NewEvent,
  deliveryIdPrefix: string,
  directMax: number,
): Promise<{ event: EventRow; hooks: MatchedWebhook[] } | undefined> {
  const projectMatch = e.projectId === null ? sql`w.project_id is null` : sql`(w.project_id is null or w.project_id = ${e.projectId})`;
  const { rows } = await sql<EventRow & { hooks: MatchedWebhook[] }>`/*prepare*/
    with ins as (
      insert into events (team_id, id, type, project_id, data_raw, created_at)
      values (${e.teamId}, ${e.id}, ${e.type}, ${e.projectId}, ${e.data}, now())
      on conflict (team_id, id) do nothing
      returning team_id, id, type, project_id, created_at, dispatched_at, dispatch_failures, dispatch_error, data_raw
    ), hooks as (
      select w.id, w.http_method, w.url from webhooks w
      where exists (select 1 from ins) and w.team_id = ${e.teamId} and w.active
        and ${subscribesSql('w.event_types', e.type)} and ${projectMatch}
        and ${passesFilterSql('w.filter_path', sql`(select ${filterDocSql(sql`ins.type`, sql`ins.data_raw::jsonb`)} from ins)`)}
      order by w.id limit ${directMax + 1}
    ), pending as (
      ${pendingRowsSql({ id: sql`${deliveryIdPrefix} || h.id`, teamId: e.teamId, eventId: e.id, webhookId: sql`h.id`, eventType: e.type }, sql`from hooks h where (select count(*) from hooks) <= ${directMax}`)}
    )
    select ins.team_id, ins.id, ins.type, ins.project_id, ins.created_at, ins.dispatched_at, ins.dispatch_failures, ins.dispatch_error,
      coalesce((select json_agg(hooks order by hooks.id) from hooks), '[]'::json) as hooks from ins
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  // The data text is the caller's own: not sent back by Postgres (up to 256 KiB per publish).
  const { hooks, ...stored } = row;
  return { event: { ...stored, data: null, data_raw: e.data }, hooks };
}
