import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.js';
import { releaseSignal } from '../../workflows/delivery-contract.js';
import { TERMINAL_STATUSES } from '../delivery-transitions.js';

/**
 * Whether a delivery may make its first attempt (orderedDeliveryWorkflow asks before it does).
 * `ordered: false`: the row has no sequence (not a fifo delivery, or gone), so it goes at once.
 * Otherwise it goes when its predecessor (same webhook and ordering key, sequence − 1) has
 * ended, or, with `blockOnFailure: false`, has made its first attempt; or has no row (never
 * numbered, or purged by retention after it ended).
 */
export type DeliveryTurn =
  | { ordered: false; go: true }
  | { ordered: true; go: true; blockOnFailure: boolean }
  | {
      ordered: true;
      go: false;
      blockOnFailure: boolean;
      /** The delivery it waits for. */
      waitingFor: string;
      orderingKey: string;
      sequence: number;
      /** Unfinished deliveries of the sequence after this one, counted up to QUEUE_COUNT_MAX. */
      queuedBehind: number;
    };

/** The queue behind a waiting delivery is counted up to this (a larger one shows as this). */
export const QUEUE_COUNT_MAX = 1_000;

const TERMINAL = sql.join(TERMINAL_STATUSES.map((s) => sql.lit(s)));

/** One statement: the delivery's row, its webhook's head-of-line rule and its predecessor's row. */
export async function deliveryTurn(db: Kysely<Database>, deliveryId: string): Promise<DeliveryTurn> {
  const { rows } = await sql<{
    sequence: string | null;
    ordering_key: string | null;
    block_on_failure: boolean | null;
    prev_id: string | null;
    prev_done: boolean | null;
    prev_attempts: number | null;
  }>`/*prepare*/
    select d.sequence, d.ordering_key, w.block_on_failure,
      p.id as prev_id, p.status in (${TERMINAL}) as prev_done, p.attempts as prev_attempts
    from deliveries d
    left join webhooks w on w.id = d.webhook_id
    left join deliveries p on p.webhook_id = d.webhook_id and p.ordering_key = d.ordering_key and p.sequence = d.sequence - 1
    where d.id = ${deliveryId}
  `.execute(db);
  const row = rows[0];
  if (!row || row.sequence === null || row.ordering_key === null) return { ordered: false, go: true };
  const blockOnFailure = row.block_on_failure ?? true;
  const go = row.prev_id === null || row.prev_done === true || (!blockOnFailure && (row.prev_attempts ?? 0) >= 1);
  if (go) return { ordered: true, go: true, blockOnFailure };
  const sequence = Number(row.sequence);
  const behind = await sql<{ n: string }>`/*prepare*/
    select count(*) as n from (
      select 1 from deliveries q
      where q.webhook_id = (select webhook_id from deliveries where id = ${deliveryId})
        and q.ordering_key = ${row.ordering_key} and q.sequence > ${sequence} and q.status not in (${TERMINAL})
      limit ${QUEUE_COUNT_MAX}
    ) t
  `.execute(db);
  return {
    ordered: true,
    go: false,
    blockOnFailure,
    waitingFor: row.prev_id!,
    orderingKey: row.ordering_key,
    sequence,
    queuedBehind: Number(behind.rows[0]?.n ?? 0),
  };
}

/**
 * Tells the next delivery of the sequence that its turn may have come (the `release` signal; it
 * checks deliveryTurn again itself, so a release too early is harmless). A successor not started
 * yet, or already closed, needs none: it checks when it starts. Returns whom it signalled.
 */
export async function releaseNext(db: Kysely<Database>, temporal: Client, deliveryId: string): Promise<string | null> {
  const { rows } = await sql<{ id: string }>`/*prepare*/
    select n.id from deliveries d
    join deliveries n on n.webhook_id = d.webhook_id and n.ordering_key = d.ordering_key and n.sequence = d.sequence + 1
    where d.id = ${deliveryId} and d.sequence is not null
  `.execute(db);
  const next = rows[0]?.id;
  if (!next) return null;
  try {
    await temporal.workflow.getHandle(next).signal(releaseSignal);
    return next;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
