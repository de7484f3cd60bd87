import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/create-activities.js';
import type { AttemptOutcome } from '../../src/core/attempt/attempt-types.js';
import { createLogger } from '../../src/log.js';
import { createActivityDeps } from '../../src/worker/create-activity-deps.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { pendingDeliveryWithoutWorkflow, teamWithType } from '../support/scenario.js';

/** Every reply reaches the worker this late (ms), as through a busy event loop on a loaded box. */
const REPLY_DELAY_MS = 120;

const sqlOf = (node: RootOperationNode) =>
  node.kind === 'RawNode' ? (node as unknown as { sqlFragments: string[] }).sqlFragments.join('') : '';

// A webhook far below its rate limit must not pay for replies that come back late: each slot is
// reserved where this worker will act on it (core/attempt/reply-lag.ts), so sends keep to their
// slots without giving them up and reserving again ahead, which once pushed every later delivery's
// slot back too (waits of ~0.5 s at 25/s against a limit of 1,000/s).
describe('rate limit with slow replies', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => h?.close());

  it('reserves a slot again only while it is still learning how late replies come back', async () => {
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      const w = await t.api.webhooks.create.mutate({ name: 'fast-limit', url: rx.url, eventTypes: [t.type], rateLimitPerSecond: 1000 });
      let reReservations = 0;
      const slowReplies: KyselyPlugin = {
        transformQuery: (a) => {
          // The load reserves the first slot in its own statement; a lone reservation is a second one.
          if (/^\s*(\/\*prepare\*\/)?\s*insert into rate_limits/.test(sqlOf(a.node))) reReservations++;
          return a.node;
        },
        transformResult: async (a) => {
          await sleep(REPLY_DELAY_MS);
          return a.result;
        },
      };
      const activities = createActivities(
        createActivityDeps({ db: h.db.withPlugin(slowReplies), config: h.config, log: createLogger('warn', 'test') }),
      );
      const N = 12;
      for (let i = 0; i < N; i++) {
        const eventId = `evt_slow_replies_${i}`;
        const id = await pendingDeliveryWithoutWorkflow(h, t, eventId, w.id);
        const env = new MockActivityEnvironment({ workflowExecution: { workflowId: id, runId: 'run-a' }, isLocal: true });
        const out = (await env.run(activities.attemptDelivery, {
          deliveryId: id,
          teamId: t.teamId,
          eventId,
          webhookId: w.id,
          attempt: 1,
        })) as AttemptOutcome;
        expect(out.kind).toBe('attempted');
      }
      expect(rx.arrivals).toHaveLength(N);
      // The first attempts teach the worker the delay; after them, a send keeps its first slot. The
      // behaviour this guards against re-reserved on every send (N = 12). A send that starts more
      // than MAX_LATE_MS after its slot gives it up by design, one re-reservation per such stall;
      // with the other test files running beside it, CI boxes showed 3 and then 5 (the files in
      // parallel stall the event loop). So the bound is "learned, well under every send": half.
      expect(reReservations).toBeLessThanOrEqual(N / 2);
    } finally {
      await rx.close();
    }
  }, 120_000);
});
