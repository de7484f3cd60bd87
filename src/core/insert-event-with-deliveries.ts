import { type Kysely, sql } from 'kysely';
import { pendingRowsSql } from './delivery-status.js';
import type { FanOutTarget, OrderedTarget } from './fan-out.js';
import { filterDocSql, passesFilterSql, subscribesSql } from '../delivery/subscribers.js';
import type { Database, EventRow } from '../db/database.js';

export interface NewEvent {
  teamId: string;
  id: string;
  type: string;
  projectId: string | null;
  /** `data` as the JSON text the publisher sent; stored verbatim in `data_raw`. */
  data: string;
  /** The publish's ordering key (fifo webhooks order per key); null: none. */
  orderingKey: string | null;
}

export type MatchedWebhook = FanOutTarget;

/**
 * The publish path's one round trip: inserts the event, finds up to `directMax + 1` active
 * unordered webhooks that match it (same rules as findMatchingWebhookIds: subscription and
 * filter), and, when there are at most `directMax`, inserts their pending delivery rows (id =
 * `deliveryIdPrefix` + webhook id). Every matching fifo webhook (`ordered`, however many) gets
 * its row here too, with the next number of its (webhook, ordering key) sequence: the
 * `delivery_sequences` row is locked until this statement's transaction commits, so numbers
 * follow commit order across API processes, and a duplicate publish takes none.
 * Returns undefined when an event with this id already exists (nothing is written then).
 */
export async function insertEventWithDeliveries(
  db: Kysely<Database>,
  e: NewEvent,
  deliveryIdPrefix: string,
  directMax: number,
): Promise<{ event: EventRow; hooks: MatchedWebhook[]; ordered: OrderedTarget[] } | undefined> {
  const projectMatch = e.projectId === null ? sql`w.project_id is null` : sql`(w.project_id is null or w.project_id = ${e.projectId})`;
  // Matched on the statement's own snapshot, before the insert, so the insert knows whether anyone
  // matched; every write below still waits on `ins` (a duplicate publish writes nothing).
  const matches = sql`w.team_id = ${e.teamId} and w.active
        and ${subscribesSql('w.event_types', e.type)} and ${projectMatch}
        and ${passesFilterSql('w.filter_path', sql`(select ${filterDocSql(sql`${e.type}::text`, sql`arg.data_raw::jsonb`)} from arg)`)}`;
  const key = e.orderingKey ?? '';
  const { rows } = await sql<EventRow & { hooks: MatchedWebhook[]; ordered: OrderedTarget[] }>`/*prepare*/
    with arg as (select ${e.data}::text as data_raw
    ), hooks as (
      select w.id, w.http_method, w.url from webhooks w
      where ${matches} and w.ordering <> 'fifo'
      order by w.id limit ${directMax + 1}
    ), fifo as (
      select w.id, w.http_method, w.url from webhooks w where ${matches} and w.ordering = 'fifo'
    ), ins as (
      insert into events (team_id, id, type, project_id, data_raw, created_at, ordering_key, dispatched_at)
      select ${e.teamId}, ${e.id}, ${e.type}, ${e.projectId}, arg.data_raw, now(), ${e.orderingKey},
        -- Nobody to deliver to: dispatched as it is stored (no mark to write later, nothing to sweep).
        case when exists (select 1 from hooks) or exists (select 1 from fifo) then null else now() end
      from arg
      on conflict (team_id, id) do nothing
      returning team_id, id, type, project_id, created_at, dispatched_at, dispatch_failures, dispatch_error, data_raw, ordering_key
    ), pending as (
      ${pendingRowsSql({ id: sql`${deliveryIdPrefix} || h.id`, teamId: e.teamId, eventId: e.id, webhookId: sql`h.id`, eventType: e.type }, sql`from hooks h where exists (select 1 from ins) and (select count(*) from hooks) <= ${directMax}`)}
    ), numbered as (
      insert into delivery_sequences as s (webhook_id, ordering_key, team_id, last_sequence)
      select f.id, ${key}, ${e.teamId}, 1 from fifo f where exists (select 1 from ins)
      on conflict (webhook_id, ordering_key) do update set last_sequence = s.last_sequence + 1
      returning s.webhook_id, s.ordering_key, s.last_sequence
    ), ordered_pending as (
      ${pendingRowsSql(
        {
          id: sql`${deliveryIdPrefix} || n.webhook_id`,
          teamId: e.teamId,
          eventId: e.id,
          webhookId: sql`n.webhook_id`,
          eventType: e.type,
          ordering: { key, sequence: sql`n.last_sequence` },
        },
        sql`from numbered n`,
      )}
    )
    select ins.team_id, ins.id, ins.type, ins.project_id, ins.created_at, ins.dispatched_at, ins.dispatch_failures, ins.dispatch_error,
      ins.ordering_key,
      coalesce((select json_agg(hooks order by hooks.id) from hooks), '[]'::json) as hooks,
      coalesce((select json_agg(json_build_object('id', f.id, 'http_method', f.http_method, 'url', f.url,
        'ordering_key', n.ordering_key, 'sequence', n.last_sequence) order by f.id)
        from fifo f join numbered n on n.webhook_id = f.id), '[]'::json) as ordered from ins
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  // The data text is the caller's own: not sent back by Postgres (up to 256 KiB per publish).
  const { hooks, ordered, ...stored } = row;
  return { event: { ...stored, data: null, data_raw: e.data }, hooks, ordered };
}
