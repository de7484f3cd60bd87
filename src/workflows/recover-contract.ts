import { defineQuery } from '@temporalio/workflow';

/**
 * Which finished deliveries a recovery replays: `failed`, those that ended failed and were created
 * at or after `since` (deliveries.recover); `ended`, those that ended failed, or cancelled because
 * the webhook was inactive, last updated at or after `since` (webhooks.enable with `recover`).
 */
export type RecoverMatch = 'failed' | 'ended';

/** Input of one recovery (recover-workflow.ts); ids and times only. */
export interface RecoverInput {
  teamId: string;
  webhookId: string;
  match: RecoverMatch;
  /** ISO-8601 time the deliveries are matched from. */
  since: string;
  /** PostgreSQL's time of the call (full precision text): deliveries created later are not recovered. */
  until: string;
  /** Deliveries matching when the call was made (at most RECOVER_MAX). */
  matched: number;
  /** Rows per page and pages per run; RECOVER_PAGE_SIZE and RECOVER_PAGES_PER_RUN unless given (tests page small). */
  pageSize?: number;
  pagesPerRun?: number;
  /** Continue-as-new state: the last delivery id paged past, and the totals so far. */
  afterId?: string | null;
  replayed?: number;
  skipped?: number;
}

/** What a recovery has done so far; also its memo (read by deliveries.recoveryStatus) and its result. */
export interface RecoverProgress {
  webhookId: string;
  since: string;
  matched: number;
  /** Deliveries given a new run so far. */
  replayed: number;
  /** Deliveries found running again (replayed meanwhile), not replayed. */
  skipped: number;
}

/** Deliveries one recovery replays at most, as before it was a workflow. */
export const RECOVER_MAX = 10_000;

/** Rows per page activity; each page is replayed before the next is read. */
export const RECOVER_PAGE_SIZE = 100;

/** Pages per workflow run; then continue-as-new keeps the history small (~70 events a run). */
export const RECOVER_PAGES_PER_RUN = 10;

/** `temporal workflow query --name progress`: the running totals. */
export const progressQuery = defineQuery<RecoverProgress>('progress');

/**
 * `recover:<teamId>:<webhookId>`: one recovery per webhook at a time. A second call while one
 * runs finds this id taken and starts nothing; once it is closed the id starts a new run.
 */
export function recoveryWorkflowId(teamId: string, webhookId: string): string {
  return `recover:${teamId}:${webhookId}`;
}

export const RECOVER_WORKFLOW_TYPE = 'recoverWorkflow';
