import { WorkflowNotFoundError } from '@temporalio/client';
import type { DeliveryRow } from '../db/database.js';
import type { AttemptRecord } from '../delivery/types.js';
import { settleDelivery } from '../repositories/deliveries-repo.js';
import { findAttempts } from '../repositories/delivery-attempts-repo.js';
import { outcomeOf } from '../temporal/delivery-outcome.js';
import { type DeliveryState, stateQuery } from '../workflows/delivery-contract.js';
import type { ApiDeps } from './context.js';

/** Statuses of a delivery whose workflow may still be running. */
export const ACTIVE_STATUSES = ['pending', 'retrying'] as const;
const isActive = (status: string) => (ACTIVE_STATUSES as readonly string[]).includes(status);

export const deliveryDto = (d: DeliveryRow) => ({
  id: d.id,
  eventId: d.event_id,
  webhookId: d.webhook_id,
  eventType: d.event_type,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.last_status_code,
  lastError: d.last_error,
  lastAttemptAt: d.last_attempt_at?.toISOString() ?? null,
  nextAttemptAt: d.next_attempt_at?.toISOString() ?? null,
  createdAt: d.created_at.toISOString(),
  updatedAt: d.updated_at.toISOString(),
});

export interface DeliveryView extends ReturnType<typeof deliveryDto> {
  reason: string | null;
  attemptRecords: AttemptRecord[];
  /** Where the attempt records came from: the running workflow's state, or PostgreSQL. */
  attemptsFrom: 'workflow' | 'postgres';
}

/**
 * `deliveries.get`: the same record whichever store answers. While the workflow runs, its state
 * (query `state`; bodies cut to 1 KiB there). Once it has finished, or its history is gone
 * (retention, deleted), the deliveries row and the `delivery_attempts` of the run it mirrors
 * (full bodies, kept until deleted): the attempt activity writes both before the workflow
 * learns the outcome, so a finished delivery is always complete in PostgreSQL. A row still
 * pending or retrying whose workflow was closed from the Temporal UI is set from its close
 * status here and then (the reconcile sweep does the same for rows nobody reads). Rows written
 * before attempts were kept in PostgreSQL (no run id) are read from their workflow while its
 * history lasts.
 */
export async function readDelivery(deps: Pick<ApiDeps, 'db' | 'temporal'>, found: DeliveryRow): Promise<DeliveryView> {
  let row = found;
  if (isActive(row.status) || row.run_id === null) {
    const handle = deps.temporal.workflow.getHandle(row.id);
    const d = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
    if (d?.status.name === 'RUNNING') {
      const state = await handle.query(stateQuery);
      if (isActive(state.status)) return fromState(row, state);
    } else if (d && isActive(row.status)) {
      // Closed, yet the row says it runs: terminated or cancelled from the Temporal UI. Set it now.
      const outcome = await outcomeOf(deps.temporal, d);
      if (outcome.kind === 'closed') await settleDelivery(deps.db, row.id, row.updated_at, outcome.status, outcome.reason);
    }
    if (d) {
      // It has finished: its row and records were written before it learnt the outcome.
      row = (await deps.db.selectFrom('deliveries').selectAll().where('id', '=', row.id).executeTakeFirst()) ?? row;
      if (row.run_id === null) {
        // Written before attempts were kept in PostgreSQL: they are in the workflow's history only.
        const state = await handle.query(stateQuery);
        return { ...deliveryDto(row), reason: row.last_error, attemptRecords: state.attempts, attemptsFrom: 'workflow' };
      }
    }
  }
  const attempts = row.run_id ? await findAttempts(deps.db, row.id, row.run_id) : [];
  return { ...deliveryDto(row), reason: row.run_id ? row.reason : row.last_error, attemptRecords: attempts, attemptsFrom: 'postgres' };
}

function fromState(row: DeliveryRow, state: DeliveryState): DeliveryView {
  return { ...deliveryDto(row), status: state.status, reason: state.reason, nextAttemptAt: state.nextAttemptAt, attemptRecords: state.attempts, attemptsFrom: 'workflow' };
}
