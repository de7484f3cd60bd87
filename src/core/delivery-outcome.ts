import { type Client, type WorkflowExecutionDescription, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure } from '@temporalio/common';
import type { DeliveryState } from '../workflows/delivery-contract.js';
import { DELIVERY_FAILED } from '../workflows/delivery-workflow.js';

/** How a delivery's workflow stands, as the deliveries row should mirror it. */
export type WorkflowOutcome =
  | { kind: 'running' }
  | { kind: 'closed'; status: 'succeeded' | 'failed' | 'cancelled'; reason: string | null }
  | { kind: 'not-found' };

/** Describes the delivery's latest run and, if it has closed, says how it ended. */
export async function workflowOutcome(client: Client, id: string): Promise<WorkflowOutcome> {
  try {
    return await outcomeOf(client, await client.workflow.getHandle(id).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'not-found' };
    throw err;
  }
}

/**
 * Its own close status for a delivery that ended itself (Completed with its state, Failed with
 * a DeliveryFailed carrying it); `cancelled` for one terminated or cancelled from the Temporal
 * UI or CLI, with the operator's reason; `failed` for one that timed out.
 */
export async function outcomeOf(client: Client, d: WorkflowExecutionDescription): Promise<WorkflowOutcome> {
  const result = () => client.workflow.getHandle(d.workflowId, d.runId, { followRuns: false }).result();
  switch (d.status.name) {
    case 'COMPLETED': {
      const state = (await result()) as DeliveryState;
      return {
        kind: 'closed',
        status: state.status === 'succeeded' || state.status === 'failed' ? state.status : 'cancelled',
        reason: state.reason,
      };
    }
    case 'FAILED':
    case 'TERMINATED': {
      const cause = await result().then(
        () => undefined,
        (err: unknown) => (err instanceof WorkflowFailedError ? err.cause : undefined),
      );
      if (cause instanceof ApplicationFailure && cause.type === DELIVERY_FAILED)
        return { kind: 'closed', status: 'failed', reason: (cause.details?.[0] as DeliveryState | undefined)?.reason ?? cause.message };
      if (d.status.name === 'TERMINATED') {
        const why = cause instanceof TerminatedFailure && cause.message ? `: ${cause.message}` : '';
        return { kind: 'closed', status: 'cancelled', reason: `workflow terminated in Temporal${why}` };
      }
      return { kind: 'closed', status: 'failed', reason: `workflow failed: ${cause?.message ?? 'unknown error'}` };
    }
    case 'CANCELLED':
      return { kind: 'closed', status: 'cancelled', reason: 'workflow cancelled in Temporal' };
    case 'TIMED_OUT':
      return { kind: 'closed', status: 'failed', reason: 'workflow timed out in Temporal' };
    default:
      // RUNNING, or CONTINUED_AS_NEW (a delivery never does; its next run is the one to ask).
      return { kind: 'running' };
  }
}
