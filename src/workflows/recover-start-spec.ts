import { WorkflowIdReusePolicy } from '@temporalio/common';
import { TeamIdKey, WebhookIdKey } from '../temporal/search-attributes.js';
import { type RecoverInput, type RecoverProgress, recoveryWorkflowId } from './recover-contract.js';

/**
 * The start spec of a recovery (started by the client only, services/start-recovery.ts). Pure.
 * The id is reusable once the previous recovery of the webhook has closed; while one runs, a
 * start under it is refused (the caller then answers that recovery). TeamId and WebhookId make it
 * findable in the Temporal UI; the memo holds the progress deliveries.recoveryStatus reads.
 */
export function recoverStartSpec(input: RecoverInput) {
  const args: [RecoverInput] = [input];
  const memo: RecoverProgress = { webhookId: input.webhookId, since: input.since, matched: input.matched, replayed: 0, skipped: 0 };
  return {
    workflowId: recoveryWorkflowId(input.teamId, input.webhookId),
    args,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `recover ${input.webhookId} since ${input.since} · ${input.matched} matched`,
    memo: { ...memo } as Record<string, unknown>,
    typedSearchAttributes: [
      { key: TeamIdKey, value: input.teamId },
      { key: WebhookIdKey, value: input.webhookId },
    ],
  };
}
