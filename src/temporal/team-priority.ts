import { createHash } from 'node:crypto';
import type { Priority } from '@temporalio/common';

/** Temporal refuses a fairness key longer than this many bytes. */
export const MAX_FAIRNESS_KEY_BYTES = 64;

/**
 * The task-queue priority of every workflow Herald starts for a team: its fairness key is the
 * team id, so when the server dispatches with fairness (matching.enableFairness, on in Herald's
 * dev server and cluster config), a team with a backlog of thousands of tasks takes its turn with
 * every other team instead of queueing ahead of them (issue 13). Children (a dispatch's
 * deliveries) and activities inherit it. A server without fairness stores it and ignores it.
 * No weight: every team gets an equal share of dispatch when the queue is backed up.
 */
export function teamPriority(teamId: string): Priority {
  return { fairnessKey: fairnessKeyOf(teamId) };
}

/**
 * Herald's team ids (`team_` + 20 hex) fit; a longer id (a team row made by hand) becomes the
 * hex SHA-256 of it, still one key per team, rather than a start Temporal would refuse.
 */
export function fairnessKeyOf(teamId: string): string {
  if (Buffer.byteLength(teamId, 'utf8') <= MAX_FAIRNESS_KEY_BYTES) return teamId;
  return createHash('sha256').update(teamId).digest('hex');
}
