import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database, DeliveryRow, WebhookRow } from '../db/database.js';
import { recoverablePage } from './recoverable-deliveries.js';
import { findWebhook } from '../repositories/webhooks-repo.js';
import type { RecoverMatch } from '../workflows/recover-contract.js';
import { replayDelivery } from './replay-delivery.js';

export interface RecoverPageInput {
  teamId: string;
  webhookId: string;
  match: RecoverMatch;
  since: string;
  until: string;
  afterId: string | null;
  limit: number;
}

export interface RecoverPageResult {
  /** Rows read (fewer than `limit`: the last page). */
  rows: number;
  replayed: number;
  skipped: number;
  /** The id to page on from; null when nothing was read. */
  lastId: string | null;
}

/** Replays started at once within a page: a page takes seconds, not one start's latency times the page. */
const REPLAYS_AT_ONCE = 10;

type ReplayDeps = { db: Kysely<Database>; temporal: Client; config: { temporal: { taskQueue: string } } };

/**
 * One page of a recovery (recover-workflow.ts): reads the next matching deliveries and replays
 * each through the replay corridor (replay-delivery.ts). One already running again (replayed
 * meanwhile) is skipped. A webhook deleted meanwhile ends the recovery (an empty page). Run twice
 * (an activity retry), a row already replayed no longer matches unless it failed again since.
 */
export async function recoverPage(deps: ReplayDeps, input: RecoverPageInput): Promise<RecoverPageResult> {
  const webhook = await findWebhook(deps.db, input.teamId, input.webhookId);
  if (!webhook) return { rows: 0, replayed: 0, skipped: 0, lastId: null };
  const rows = await recoverablePage(
    deps.db,
    { teamId: input.teamId, webhookId: input.webhookId, match: input.match, since: new Date(input.since), until: input.until },
    input.afterId,
    input.limit,
  );
  let replayed = 0;
  let skipped = 0;
  for (let i = 0; i < rows.length; i += REPLAYS_AT_ONCE) {
    const outcomes = await Promise.all(rows.slice(i, i + REPLAYS_AT_ONCE).map((row) => replayOne(deps, row, webhook)));
    for (const ok of outcomes) ok ? replayed++ : skipped++;
  }
  return { rows: rows.length, replayed, skipped, lastId: rows.at(-1)?.id ?? null };
}

/** True when replayed; false when its workflow runs (Temporal refuses a second run under the id). */
async function replayOne(deps: ReplayDeps, row: DeliveryRow, webhook: WebhookRow): Promise<boolean> {
  try {
    await replayDelivery(deps, row, webhook);
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
