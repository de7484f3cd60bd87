import type { Client } from '@temporalio/client';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { reasons } from '../core/delivery-reasons.js';
import { settleClosed } from '../core/delivery-status.js';
import { workflowOutcome } from '../core/delivery-outcome.js';
import { cancelSignal } from '../workflows/delivery-contract.js';
import { runPeriodically } from './run-periodically.js';

/** How often each worker reconciles. */
export const RECONCILE_EVERY_MS = 60_000;
/** Recently closed: workflows closed this long ago at most are listed from visibility. */
export const CLOSED_LOOKBACK_MS = 10 * 60_000;
/** Stale: a row pending or retrying with no write (nor check) for this long is checked. */
export const STALE_AFTER_MS = 5 * 60_000;
const STALE_BATCH = 100;
const CONCURRENCY = 10;

interface ReconcileDeps {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
}

export interface ReconcileResult {
  /** Rows set from their workflow's close status. */
  settled: { id: string; status: string; reason: string | null }[];
  /** Running deliveries of an inactive or deleted webhook, signalled to cancel. */
  cancelled: string[];
}

type Candidate = {
  id: string;
  status: string;
  attempts: number;
  updated_at: Date;
  webhook_id: string | null;
  webhook_active: boolean | null;
  disabled_reason: string | null;
};

/**
 * A delivery workflow that is terminated, cancelled or deleted from the Temporal UI never writes
 * its row again, which would then say `pending`/`retrying` forever (and count in queueLength /
 * retryQueueLength). Two passes fix that, every RECONCILE_EVERY_MS on each worker:
 * - recently closed: one visibility query lists delivery workflows on this task queue that were
 *   terminated, cancelled or timed out within CLOSED_LOOKBACK_MS; their rows are fixed within one
 *   sweep (plus visibility lag);
 * - stale: rows pending or retrying with no write and no check for STALE_AFTER_MS, STALE_BATCH a
 *   sweep, least recently checked first, are described one by one: a closed workflow fixes the
 *   row, a missing one (deleted, or past retention) cancels a row that had attempts, a running
 *   one is stamped `reconciled_at` and comes round again later.
 * A running delivery whose webhook is inactive or deleted is also signalled to cancel (the API
 * does so when it deactivates or deletes; this covers an API that died in between).
 * `deliveries.get` checks the workflow of a pending/retrying row itself, so it is right at once.
 */
export async function reconcileDeliveries(deps: ReconcileDeps): Promise<ReconcileResult> {
  const recent = await reconcileRecentlyClosed(deps);
  const stale = await reconcileStale(deps);
  return { settled: [...recent.settled, ...stale.settled], cancelled: stale.cancelled };
}

export async function reconcileRecentlyClosed(deps: ReconcileDeps, lookbackMs = CLOSED_LOOKBACK_MS): Promise<ReconcileResult> {
  const since = new Date(Date.now() - lookbackMs).toISOString();
  const query =
    `(WorkflowType = 'deliveryWorkflow' OR WorkflowType = 'deliveryWorkflowV2' OR WorkflowType = 'orderedDeliveryWorkflow') AND TaskQueue = '${deps.taskQueue.replaceAll("'", '')}' AND CloseTime > '${since}' ` +
    `AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled' OR ExecutionStatus = 'TimedOut')`;
  const ids = new Set<string>();
  for await (const wf of deps.temporal.workflow.list({ query })) ids.add(wf.workflowId);
  if (!ids.size) return { settled: [], cancelled: [] };
  const rows = await candidates(deps.db)
    .where('d.id', 'in', [...ids])
    .execute();
  return check(deps, rows);
}

export async function reconcileStale(deps: ReconcileDeps, staleAfterMs = STALE_AFTER_MS): Promise<ReconcileResult> {
  const checkedBy = sql<Date>`greatest(d.reconciled_at, d.updated_at)`;
  const rows = await candidates(deps.db)
    .where(checkedBy, '<', new Date(Date.now() - staleAfterMs))
    .orderBy(checkedBy)
    .limit(STALE_BATCH)
    .execute();
  return check(deps, rows);
}

function candidates(db: Kysely<Database>) {
  return db
    .selectFrom('deliveries as d')
    .leftJoin('webhooks as w', (j) => j.onRef('w.id', '=', 'd.webhook_id').onRef('w.team_id', '=', 'd.team_id'))
    .select(['d.id', 'd.status', 'd.attempts', 'd.updated_at', 'w.id as webhook_id', 'w.active as webhook_active', 'w.disabled_reason'])
    .where('d.status', 'in', ['pending', 'retrying']);
}

async function check(deps: ReconcileDeps, rows: Candidate[]): Promise<ReconcileResult> {
  const result: ReconcileResult = { settled: [], cancelled: [] };
  const running: string[] = [];
  for (let i = 0; i < rows.length; i += CONCURRENCY) {
    await Promise.all(rows.slice(i, i + CONCURRENCY).map((row) => checkOne(deps, row, result, running)));
  }
  if (running.length) await deps.db.updateTable('deliveries').set({ reconciled_at: new Date() }).where('id', 'in', running).execute();
  return result;
}

async function checkOne(deps: ReconcileDeps, row: Candidate, result: ReconcileResult, running: string[]): Promise<void> {
  const outcome = await workflowOutcome(deps.temporal, row.id);
  if (outcome.kind === 'running') {
    running.push(row.id);
    const stop =
      row.webhook_id === null
        ? reasons.webhookDeleted().text
        : row.webhook_active === false
          ? reasons.webhookInactive(row.disabled_reason ?? 'deactivated').text
          : null;
    if (stop) {
      await deps.temporal.workflow.getHandle(row.id).signal(cancelSignal, stop);
      result.cancelled.push(row.id);
    }
    return;
  }
  // No workflow: a row with attempts had one (deleted, or kept past retention); one without may not be started yet.
  if (outcome.kind === 'not-found' && row.attempts === 0 && row.status === 'pending') {
    running.push(row.id);
    return;
  }
  const { status, reason } =
    outcome.kind === 'closed'
      ? { status: outcome.status, reason: outcome.reason === null ? null : reasons.workflowClosed(outcome.reason) }
      : { status: 'cancelled' as const, reason: reasons.workflowMissing() };
  if (await settleClosed(deps.db, row.id, row.updated_at, status, reason))
    result.settled.push({ id: row.id, status, reason: reason?.text ?? null });
}

/** Reconciles every RECONCILE_EVERY_MS until the returned stop function is called; errors are logged, never thrown. */
export function startReconciler(deps: ReconcileDeps, log: Logger): () => void {
  const reconcile = async () => {
    const { settled, cancelled } = await reconcileDeliveries(deps);
    for (const s of settled) log.warn('delivery row set from its workflow, which closed without writing it', s);
    if (cancelled.length) log.warn('cancelled running deliveries of inactive or deleted webhooks', { ids: cancelled });
  };
  return runPeriodically(reconcile, RECONCILE_EVERY_MS, log, 'delivery reconcile failed; will retry');
}
