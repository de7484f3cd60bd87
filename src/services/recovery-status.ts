import { WorkflowNotFoundError } from '@temporalio/client';
import { TeamIdKey } from '../temporal/search-attributes.js';
import { RECOVER_WORKFLOW_TYPE, type RecoverProgress } from '../workflows/recover-contract.js';
import type { ServiceContext } from './service-deps.js';
import { notFound } from './errors.js';

/** `running` until the last page is replayed; `done` then. The others: the workflow was ended from outside, or failed. */
export type RecoveryState = 'running' | 'done' | 'failed' | 'cancelled' | 'terminated';

export interface RecoveryStatus extends RecoverProgress {
  recoveryId: string;
  state: RecoveryState;
  done: boolean;
}

const STATES: Record<string, RecoveryState> = {
  RUNNING: 'running',
  CONTINUED_AS_NEW: 'running',
  COMPLETED: 'done',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
};

/**
 * A recovery's progress, from its workflow's description (memo, updated after each page, and
 * close status): no worker is needed and it stays readable after the recovery closes, for
 * Temporal's retention. Another team's recovery, a delivery's workflow id, or an unknown id: NOT_FOUND.
 */
export async function readRecoveryStatus(ctx: ServiceContext, id: string): Promise<RecoveryStatus> {
  if (!id.startsWith(`recover:${ctx.team.id}:`)) throw notFound('recovery', id);
  const d = await ctx.deps.temporal.workflow
    .getHandle(id)
    .describe()
    .catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? notFound('recovery', id) : err;
    });
  if (d.type !== RECOVER_WORKFLOW_TYPE || d.typedSearchAttributes.get(TeamIdKey) !== ctx.team.id) throw notFound('recovery', id);
  const memo = (d.memo ?? {}) as Partial<RecoverProgress>;
  const state = STATES[d.status.name] ?? 'failed';
  return {
    recoveryId: id,
    webhookId: String(memo.webhookId ?? ''),
    since: String(memo.since ?? ''),
    matched: Number(memo.matched ?? 0),
    replayed: Number(memo.replayed ?? 0),
    skipped: Number(memo.skipped ?? 0),
    state,
    done: state === 'done',
  };
}
