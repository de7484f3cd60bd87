import { WorkflowNotFoundError } from '@temporalio/client';
import type { DeliveryRow } from '../db/database.js';
import type { AttemptRecord } from '../delivery/types.js';
import { findAttempts } from '../repositories/delivery-attempts-repo.js';
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
 * learns the outcome, so a finished delivery is always complete in PostgreSQL. Rows written
 * before attempts were kept in PostgreSQL (no run id) are read from their workflow while its
 * history lasts.
 */
export async function readDelivery(deps: Pick<ApiDeps, 'db' | 'temporal'>, found: DeliveryRow): Promise<DeliveryView> {
  let row = found;
  if (isActive(row.status) || row.run_id === null) {
    const handle = deps.temporal.workflow.getHandle(row.id);
    const running = await handle.describe().then(
      (d) => d.status.name === 'RUNNING',
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      },
    );
    if (running === true || (running === false && row.run_id === null)) {
      const state = await handle.query(stateQuery);
      if (isActive(state.status)) return fromState(row, state);
      // It has finished: its row and records were written before it learnt the outcome.
      const fresh = await deps.db.selectFrom('deliveries').selectAll().where('id', '=', row.id).executeTakeFirst();
      if (!fresh?.run_id) return fromState(row, state); // written before attempts were kept in PostgreSQL
      row = fresh;
    }
  }
  const attempts = row.run_id ? await findAttempts(deps.db, row.id, row.run_id) : [];
  return { ...deliveryDto(row), reason: row.run_id ? row.reason : row.last_error, attemptRecords: attempts, attemptsFrom: 'postgres' };
}

function fromState(row: DeliveryRow, state: DeliveryState): DeliveryView {
  return { ...deliveryDto(row), status: state.status, reason: state.reason, nextAttemptAt: state.nextAttemptAt, attemptRecords: state.attempts, attemptsFrom: 'workflow' };
}
