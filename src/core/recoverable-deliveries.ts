import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { ReasonCode } from './delivery-reasons.js';
import type { Database, DeliveryRow } from '../db/database.js';
import type { RecoverMatch } from '../workflows/recover-contract.js';

/** The deliveries one recovery matches (workflows/recover-contract.ts RecoverMatch). */
export interface RecoverFilter {
  teamId: string;
  webhookId: string;
  match: RecoverMatch;
  since: Date;
  /** PostgreSQL time text; rows created after it are not matched. Omitted: no upper bound. */
  until?: string;
}

function matching(f: RecoverFilter) {
  return (eb: ExpressionBuilder<Database, 'deliveries'>) => {
    const base: Expression<SqlBool>[] = [eb('team_id', '=', f.teamId), eb('webhook_id', '=', f.webhookId)];
    if (f.until !== undefined) base.push(eb('created_at', '<=', sql<Date>`${f.until}::timestamptz`));
    // An erased event has nothing to resend (services/erase-event-payload.ts): never matched.
    base.push(
      sql<boolean>`not exists (select 1 from events ev where ev.team_id = deliveries.team_id and ev.id = deliveries.event_id and ev.payload_erased_at is not null)`,
    );
    if (f.match === 'failed') return eb.and([...base, eb('status', '=', 'failed'), eb('created_at', '>=', f.since)]);
    const inactive: ReasonCode = 'webhook_inactive';
    return eb.and([
      ...base,
      eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'cancelled'), eb('reason_code', '=', inactive)])]),
      eb('updated_at', '>=', f.since),
    ]);
  };
}

/** How many deliveries match now (counted up to `cap`), and PostgreSQL's time of the count (full-precision text). */
export async function countRecoverable(db: Kysely<Database>, f: RecoverFilter, cap: number): Promise<{ count: number; at: string }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom((qb) => qb.selectFrom('deliveries').select('id').where(matching(f)).limit(cap).as('m'))
        .select(sql<string>`count(*)`.as('n'))
        .as('count'),
      sql<string>`now()::text`.as('at'),
    ])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), at: row.at };
}

/** Up to `limit` matching deliveries with an id after `afterId`, in id order (the recovery's keyset). */
export async function recoverablePage(
  db: Kysely<Database>,
  f: RecoverFilter,
  afterId: string | null,
  limit: number,
): Promise<DeliveryRow[]> {
  let q = db.selectFrom('deliveries').selectAll().where(matching(f));
  if (afterId !== null) q = q.where('id', '>', afterId);
  return q.orderBy('id').limit(limit).execute();
}
