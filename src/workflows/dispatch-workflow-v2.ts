import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/create-activities.js';
import type { DispatchInput } from './delivery-contract.js';

type Activities = ReturnType<typeof createActivities>;

// A page is one indexed query, one batch insert and up to 200 start calls, 32 at a time:
// seconds at most; it heartbeats after each start, so a dead worker's page is taken up again
// within the heartbeat timeout. Retried without end: an accepted event must reach every webhook.
const { startSubscriberPage } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Webhooks per page. */
export const DISPATCH_PAGE_SIZE = 200;
/** Pages per run before continue-as-new: ~6 history events a page, so a run stays under ~200 events. */
export const DISPATCH_PAGES_PER_RUN = 25;

/**
 * Fans one event out to every matching active webhook, page by page: each page's activity writes
 * its pending rows and starts its deliveries itself (core/start-subscriber-page.ts), so the
 * deliveries of one page run while the next page is started. Every dispatch started now is this
 * type; dispatchWorkflow (children started by the workflow, a continue-as-new after each batch of
 * 200) stays for dispatches recorded before it (docs/workflow-versioning.md). Re-running is
 * harmless: delivery ids are deterministic and a duplicate start is skipped.
 */
export async function dispatchWorkflowV2(input: DispatchInput): Promise<{ started: number }> {
  const limit = input.pageSize ?? DISPATCH_PAGE_SIZE;
  const pages = input.pagesPerRun ?? DISPATCH_PAGES_PER_RUN;
  let after = input.afterWebhookId ?? null;
  let started = 0;
  for (let page = 0; page < pages; page++) {
    const p = await startSubscriberPage({
      teamId: input.teamId,
      eventId: input.eventId,
      eventType: input.eventType,
      projectId: input.projectId,
      afterWebhookId: after,
      limit,
    });
    started += p.started;
    if (!p.full || p.lastWebhookId === null) return { started };
    after = p.lastWebhookId;
  }
  return continueAsNew<typeof dispatchWorkflowV2>({ ...input, afterWebhookId: after });
}
