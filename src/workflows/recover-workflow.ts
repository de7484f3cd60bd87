import { continueAsNew, proxyActivities, setHandler, upsertMemo } from '@temporalio/workflow';
import type { createActivities } from '../activities/create-activities.js';
import {
  RECOVER_MAX,
  RECOVER_PAGE_SIZE,
  RECOVER_PAGES_PER_RUN,
  type RecoverInput,
  type RecoverProgress,
  progressQuery,
} from './recover-contract.js';

type Activities = ReturnType<typeof createActivities>;

// A page is RECOVER_PAGE_SIZE workflow starts and row updates: seconds. The activity heartbeats,
// so a dead worker's page is taken up again within the heartbeat timeout.
const { recoverPage } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Replays a webhook's failed deliveries (deliveries.recover, webhooks.enable with `recover`) page
 * by page, in delivery id order, through the replay corridor (core/replay-delivery.ts), up to
 * RECOVER_MAX of them. The page cursor only moves forward, so a delivery that fails again after
 * its replay is not replayed twice by one recovery. Progress is in the memo (after each page),
 * the `progress` query and the result.
 */
export async function recoverWorkflow(input: RecoverInput): Promise<RecoverProgress> {
  let afterId = input.afterId ?? null;
  const progress: RecoverProgress = {
    webhookId: input.webhookId,
    since: input.since,
    matched: input.matched,
    replayed: input.replayed ?? 0,
    skipped: input.skipped ?? 0,
  };
  setHandler(progressQuery, () => ({ ...progress }));
  const pageSize = input.pageSize ?? RECOVER_PAGE_SIZE;
  for (let page = 0; page < (input.pagesPerRun ?? RECOVER_PAGES_PER_RUN); page++) {
    const limit = Math.min(pageSize, RECOVER_MAX - progress.replayed - progress.skipped);
    if (limit <= 0) return progress;
    const r = await recoverPage({
      teamId: input.teamId,
      webhookId: input.webhookId,
      match: input.match,
      since: input.since,
      until: input.until,
      afterId,
      limit,
    });
    progress.replayed += r.replayed;
    progress.skipped += r.skipped;
    upsertMemo({ replayed: progress.replayed, skipped: progress.skipped });
    if (r.lastId === null || r.rows < limit) return progress;
    afterId = r.lastId;
  }
  return continueAsNew<typeof recoverWorkflow>({ ...input, afterId, replayed: progress.replayed, skipped: progress.skipped });
}
