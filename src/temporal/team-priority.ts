import type { Priority } from '@temporalio/common';

/**
 * The task-queue priority of every workflow Herald starts for a team: its fairness key is the
 * team id, so when the server dispatches with fairness (matching.enableFairness, on in Herald's
 * dev server and cluster config), a team with a backlog of thousands of tasks takes its turn with
 * every other team instead of queueing ahead of them (issue 13). Children (a dispatch's
 * deliveries) and activities inherit it. A server without fairness stores it and ignores it.
 * No weight: every team gets an equal share of dispatch when the queue is backed up.
 */
export function teamPriority(teamId: string): Priority {
  // Fairness keys are at most 64 bytes; team ids are `team_` + 20 hex characters.
  return { fairnessKey: teamId };
}
