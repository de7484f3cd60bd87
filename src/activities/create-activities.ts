import { Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { Dispatcher } from 'undici';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import type { PgClock } from './pg-clock.js';
import { findMatchingWebhookIds } from '../repositories/webhooks-repo.js';
import { insertPendingDeliveries, recordDeliveryProgress } from '../repositories/deliveries-repo.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { attemptDelivery } from './attempt-delivery.js';
import type { AttemptInput } from './attempt-types.js';
import { withHeartbeat } from './with-heartbeat.js';
import { redactUrl } from '../security/redact-url.js';
import { recordDeliveryEnded } from '../observability/attempt-metrics.js';

export interface ActivityDeps {
  db: Kysely<Database>;
  config: HeraldConfig;
  /** Delivery HTTP agent; its DNS lookup vets every address it dials. */
  agent: Dispatcher;
  log: Logger;
  /** Places rate-limit slots (reserved on Postgres' clock) on this process' clock. */
  pgClock: PgClock;
}

/** The run id of the delivery workflow calling this activity. */
function workflowRunId(): string {
  const runId = Context.current().info.workflowExecution?.runId;
  if (!runId) throw new Error('delivery activities run only inside a delivery workflow');
  return runId;
}

/** Activities close over their deps; nothing here is module-level state. */
export function createActivities(deps: ActivityDeps) {
  return {
    /** One page of matching webhooks, with their pending delivery rows written in one statement. */
    async findSubscribers(input: { teamId: string; eventId: string; eventType: string; projectId: string | null; afterWebhookId: string | null; limit: number }) {
      const hooks = await findMatchingWebhookIds(deps.db, input.teamId, input.eventType, input.projectId, input.afterWebhookId, input.limit);
      const subs = hooks.map((h) => ({ webhookId: h.id, httpMethod: h.http_method, url: redactUrl(h.url), deliveryId: deliveryWorkflowId(input.eventId, h.id) }));
      await insertPendingDeliveries(
        deps.db,
        subs.map((s) => ({ id: s.deliveryId, teamId: input.teamId, eventId: input.eventId, webhookId: s.webhookId, eventType: input.eventType })),
      );
      return subs;
    },

    /** The workflow's run id makes its attempt records idempotent; it needs no workflow input. */
    async attemptDelivery(input: AttemptInput) {
      const runId = workflowRunId();
      return withHeartbeat(() => attemptDelivery(deps, input, runId));
    },

    async markDelivery(input: { deliveryId: string; status: string; reason: string | null }) {
      const runId = workflowRunId();
      await recordDeliveryProgress(deps.db, input.deliveryId, { status: input.status, lastError: input.reason, reason: input.reason, nextAttemptAt: null, runId });
      recordDeliveryEnded(deps.config, input.status);
    },
  };
}
