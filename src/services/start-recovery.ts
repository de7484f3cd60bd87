import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { countRecoverable } from '../core/recoverable-deliveries.js';
import { teamPriority } from '../temporal/team-priority.js';
import { RECOVER_MAX, RECOVER_WORKFLOW_TYPE, type RecoverMatch, recoveryWorkflowId } from '../workflows/recover-contract.js';
import { recoverStartSpec } from '../workflows/recover-start-spec.js';
import { readRecoveryStatus, type RecoveryStatus } from './recovery-status.js';
import type { ServiceContext } from './service-deps.js';

/** What deliveries.recover and webhooks.enable answer: the recovery and whether this call started it. */
export interface StartedRecovery extends RecoveryStatus {
  /** The same as recoveryId: the id to look up in the Temporal UI. */
  workflowId: string;
  /** False when a recovery of this webhook was already running: that one is answered, nothing new starts. */
  started: boolean;
}

/**
 * Starts the recovery of a webhook's finished deliveries as a workflow (recover-workflow.ts) and
 * answers at once: one count query and one start, whatever the number of deliveries. One
 * recovery runs per webhook at a time (its workflow id is the webhook's): a call while one runs
 * starts nothing and answers that one's progress with `started: false`, whatever its `since`.
 */
export async function startRecovery(ctx: ServiceContext, webhookId: string, match: RecoverMatch, since: Date): Promise<StartedRecovery> {
  const teamId = ctx.team.id;
  const { count, at } = await countRecoverable(ctx.deps.db, { teamId, webhookId, match, since }, RECOVER_MAX);
  const input = { teamId, webhookId, match, since: since.toISOString(), until: at, matched: count };
  const id = recoveryWorkflowId(teamId, webhookId);
  try {
    // By name: the workflow modules are the bundle's, not imported here.
    await ctx.deps.temporal.workflow.start(RECOVER_WORKFLOW_TYPE, {
      ...recoverStartSpec(input),
      taskQueue: ctx.deps.config.temporal.taskQueue,
      priority: teamPriority(teamId),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { ...(await readRecoveryStatus(ctx, id)), workflowId: id, started: false };
  }
  const fresh = { recoveryId: id, webhookId, since: input.since, matched: count, replayed: 0, skipped: 0 };
  return { ...fresh, state: 'running', done: false, workflowId: id, started: true };
}
