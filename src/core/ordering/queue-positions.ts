import { type Kysely, sql } from 'kysely';
import { ACTIVE_STATUSES } from '../delivery-transitions.js';
import type { Database, DeliveryRow } from '../../db/database.js';

const ACTIVE = sql.join(ACTIVE_STATUSES.map((s) => sql.lit(s)));

/**
 * The queue position of each unfinished fifo delivery among `rows`: how many unfinished
 * deliveries of its (webhook, ordering key) sequence come before it (0: it is the head). Rows
 * of unordered or finished deliveries get none. One statement, on deliveries_sequence_idx.
 */
export async function queuePositions(db: Kysely<Database>, rows: readonly DeliveryRow[]): Promise<Map<string, number>> {
  const ids = rows.filter((r) => r.sequence !== null && (ACTIVE_STATUSES as readonly string[]).includes(r.status)).map((r) => r.id);
  if (!ids.length) return new Map();
  const { rows: found } = await sql<{ id: string; position: string }>`
    select d.id, (
      select count(*) from deliveries p
      where p.webhook_id = d.webhook_id and p.ordering_key = d.ordering_key and p.sequence < d.sequence and p.status in (${ACTIVE})
    ) as position
    from deliveries d where d.id in (${sql.join(ids)})
  `.execute(db);
  return new Map(found.map((r) => [r.id, Number(r.position)]));
}
