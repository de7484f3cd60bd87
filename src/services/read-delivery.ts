import { WorkflowNotFoundError } from '@temporalio/client';
import type { DeliveryRow } from '../db/database.js';
import type { AttemptRecord } from '../delivery/types.js';
import { ACTIVE_STATUSES } from '../core/delivery-transitions.js';
import { findAttempts } from '../repositories/delivery-attempts-repo.js';
import { queuePositions } from '../core/ordering/queue-positions.js';
import { outcomeOf } from '../core/delivery-outcome.js';
import { redactAttempt } from '../delivery/redact-attempt.js';
import { type DeliveryState, stateQuery } from '../workflows/delivery-contract.js';
import type { ServiceDeps } from './service-deps.js';

const isActive = (status: string) => (ACTIVE_STATUSES as readonly string[]).includes(status);

/** `position`: queue-positions.ts's, for an unfinished fifo delivery; null otherwise. */
export const deliveryDto = (d: DeliveryRow, position: number | null = null) => ({
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
  orderingKey: d.sequence === null ? null : d.ordering_key || null,
  sequence: d.sequence === null ? null : Number(d.sequence),
  position,
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
 * pending or retrying whose workflow was closed from the Temporal UI is answered with its close
 * status (a read never writes: the reconcile sweep sets the row, through core/delivery-status.ts). Rows written
 * before attempts were kept in PostgreSQL (no run id) are read from their workflow while its
 * history lasts. A delivery of a deleted webhook shows its attempt records redacted
 * (delivery/redact-attempt.ts): no URL path or query, no response headers or body.
 */
export async function readDelivery(deps: Pick<ServiceDeps, 'db' | 'temporal'>, found: DeliveryRow): Promise<DeliveryView> {
  const [stored, webhook, positions] = await Promise.all([
    readStored(deps, found),
    deps.db.selectFrom('webhooks').select('id').where('id', '=', found.webhook_id).executeTakeFirst(),
    queuePositions(deps.db, [found]),
  ]);
  const position = positions.get(found.id);
  const view = position !== undefined && (ACTIVE_STATUSES as readonly string[]).includes(stored.status) ? { ...stored, position } : stored;
  // Its webhook deleted: shown redacted whichever store answered, before the purge reaches it at rest.
  return webhook ? view : { ...view, attemptRecords: view.attemptRecords.map(redactAttempt) };
}

async function readStored(deps: Pick<ServiceDeps, 'db' | 'temporal'>, found: DeliveryRow): Promise<DeliveryView> {
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
    }
    if (d) {
      // It has finished: its row and records were written before it learnt the outcome.
      row = (await deps.db.selectFrom('deliveries').selectAll().where('id', '=', row.id).executeTakeFirst()) ?? row;
      if (d.status.name !== 'RUNNING' && isActive(row.status)) {
        // Closed, yet the row says it runs: terminated or cancelled from the Temporal UI. Answer as it closed.
        const outcome = await outcomeOf(deps.temporal, d);
        if (outcome.kind === 'closed')
          row = { ...row, status: outcome.status, reason: outcome.reason, last_error: outcome.reason, next_attempt_at: null };
      }
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
  return {
    ...deliveryDto(row),
    status: state.status,
    reason: state.reason,
    nextAttemptAt: state.nextAttemptAt,
    attemptRecords: state.attempts,
    attemptsFrom: 'workflow',
  };
}
