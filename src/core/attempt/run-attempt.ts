import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { capForState } from '../../delivery/state-record.js';
import type { AttemptInput, AttemptOutcome } from './attempt-types.js';
import { maxAttemptsOf } from '../../delivery/retry-schedule.js';
import type { AttemptRecord } from '../../delivery/types.js';
import { recordAttemptMetrics, recordAttemptRerun } from '../../observability/attempt-metrics.js';
import { deactivateWebhook } from '../../repositories/webhooks-repo.js';
import { redactUrl } from '../../security/redact-url.js';
import { markCancelled } from '../delivery-status.js';
import { reasons } from '../delivery-reasons.js';
import { transformEngine } from '../../delivery/transform-sandbox.js';
import { shownRequestHeaders } from '../../delivery/shown-request-headers.js';
import { disableReason } from '../endpoint-health-sql.js';
import { startRaisedEvents } from '../start-raised-events.js';
import { admit } from './admit.js';
import type { AttemptDeps } from './attempt-deps.js';
import { classify } from './classify.js';
import { decide } from './decide.js';
import { prepare } from './prepare.js';
import { recordAttempt } from './record.js';
import { send } from './send.js';
import { inStage, PostDeliveryError, PreDeliveryError } from './stage-errors.js';

/**
 * One attempt, stage by stage: admit → prepare → send → classify → decide → record, then the
 * decision's effects (the 410 deactivation through the webhooks' owner, the raised operational
 * events through the fan-out corridor). A first attempt that succeeds costs two statements (the
 * admit's load, the record) plus at most the clock's first sync (test/integration/lean-path.test.ts).
 * A re-run of an attempt that was recorded already answers its recorded outcome from the admit's
 * load and sends nothing (load-target.ts).
 * `runId` is the delivery workflow's run: attempt records are idempotent per (delivery, run, attempt).
 * `temporal`: the client the raised events are started with (the activity's own).
 */
export async function runAttempt(deps: AttemptDeps, input: AttemptInput, runId: string, temporal: () => Client): Promise<AttemptOutcome> {
  const admission = await admit(deps, input, runId);
  if (admission.kind === 'recorded') {
    // Sent and recorded by an earlier run of this attempt whose result never reached the
    // workflow's history: answer that result, so the receiver gets no second copy of it.
    const { record, status, reason } = admission.attempt;
    deps.log.info('attempt already recorded: answering its outcome, not sending again', {
      deliveryId: input.deliveryId,
      attempt: input.attempt,
      status,
    });
    recordAttemptRerun(deps.config);
    return { kind: 'attempted', record: capForState(record), status, reason, attemptedAtMs: Date.parse(record.createdAt) };
  }
  if (admission.kind === 'stopped') {
    await inStage(PreDeliveryError, 'stop could not be recorded', () => markCancelled(deps.db, input.deliveryId, runId, admission.reason));
    return { kind: 'stopped', reason: admission.reason.text };
  }
  if (admission.kind === 'throttled') return admission;
  const { target } = admission;
  const { webhook, event } = target;

  // The sandbox's module loads once per process, on the first webhook with a transformation.
  const engine = webhook.transformation === null ? undefined : await transformEngine();
  const prepared = prepare(deps, target, Date.now(), engine);
  if (!prepared.ok && 'cancel' in prepared) {
    const reason = reasons.cancelledByTransformation(webhook.transformation_version);
    await inStage(PreDeliveryError, 'stop could not be recorded', () => markCancelled(deps.db, input.deliveryId, runId, reason));
    return { kind: 'stopped', reason: reason.text };
  }
  const result = prepared.ok ? await send(deps, target, prepared) : prepared.result;
  const classification = classify(result, Date.now());
  const decision = decide({
    classification,
    policy: webhook.retry_policy,
    attempt: input.attempt,
    firstAttemptAtMs: input.firstAttemptAtMs,
    health: { consecutiveFailures: webhook.consecutive_failures, successes: webhook.health_successes, failures: webhook.health_failures },
    eventType: event.type,
    random: Math.random(),
    timeScale: deps.config.delivery.retryTimeScale,
  });

  const record: AttemptRecord = {
    id: `att_${randomUUID()}`,
    attempt: input.attempt,
    webhookId: webhook.id,
    address: prepared.ok ? prepared.url : webhook.url,
    createdAt: result.startedAt,
    durationMs: result.durationMs,
    responseStatusCode: result.statusCode ?? null,
    responseHeaders: result.responseHeaders,
    responseBody: result.responseBody,
    error: result.error ?? null,
    maxAttempts: maxAttemptsOf(webhook.retry_policy),
    nextAttemptAt: decision.nextAttemptAtMs === null ? null : new Date(decision.nextAttemptAtMs).toISOString(),
    ...(engine ? { transformationVersion: webhook.transformation_version } : {}),
    ...(webhook.auth ? { auth: webhook.auth.kind } : {}),
  };
  const lastError = record.error ? `${record.error.kind}: ${record.error.message}` : (decision.reason?.text ?? null);
  const raised = await inStage(PostDeliveryError, 'attempt could not be recorded', async () => {
    const deactivate = decision.deactivate;
    if (deactivate !== null) {
      await deactivateWebhook(deps.db, webhook.id, deactivate);
      deps.log.warn('webhook deactivated', { webhookId: webhook.id, reason: deactivate });
    }
    return recordAttempt(deps.db, {
      deliveryId: input.deliveryId,
      runId,
      teamId: input.teamId,
      record,
      // None when the request never left (refused before or while connecting, or by the token endpoint).
      requestHeaders:
        prepared.ok && !(result.error && NOT_SENT.has(result.error.kind))
          ? shownRequestHeaders(prepared.headers, authSchemeOf(webhook.auth?.kind))
          : null,
      status: {
        status: decision.status,
        attempts: input.attempt,
        lastStatusCode: record.responseStatusCode,
        lastError,
        reason: decision.reason,
        lastAttemptAt: new Date(Date.parse(result.startedAt)),
        nextAttemptAt: decision.nextAttemptAtMs === null ? null : new Date(decision.nextAttemptAtMs),
      },
      health: {
        verdict: classification.verdict,
        disableAfterFailingMs: deps.config.delivery.disableAfterFailingMs,
        disableReason: disableReason(deps.config.delivery.disableAfterFailingMs, record.responseStatusCode, lastError),
      },
      raise: { redactedUrl: redactUrl(webhook.url), exhausted: decision.reportExhausted, eventId: event.id, eventType: event.type },
      holdMs: Date.now() - target.admittedAtMs,
    });
  });
  recordAttemptMetrics(deps.config, {
    outcome: classification.outcome.kind,
    durationMs: result.durationMs,
    status: decision.status,
    publishedAtMs: epochMsOf(event.created_at),
    endedAtMs: classification.endMs,
  });
  if (raised.length) await startRaisedEvents({ ...deps, temporal: temporal() }, input.teamId, raised);
  deps.log.debug('attempt', {
    deliveryId: input.deliveryId,
    attempt: input.attempt,
    status: decision.status,
    code: record.responseStatusCode,
    ms: result.durationMs,
  });
  return {
    kind: 'attempted',
    record: capForState(record),
    status: decision.status,
    reason: decision.reason?.text ?? null,
    attemptedAtMs: Date.parse(result.startedAt),
  };
}

/** A timestamp column as epoch ms; NaN when it is not a Date (pg returns Infinity for 'infinity'), so poison rows never throw here. */
function epochMsOf(value: unknown): number {
  return value instanceof Date ? value.getTime() : Number.NaN;
}

/** Error kinds of an attempt whose request never reached the receiver. */
const NOT_SENT = new Set(['dns', 'connect', 'blocked', 'tls', 'auth', 'invalid', 'transform']);

/** The `Authorization` scheme receiver auth sends (send.ts), shown in the record without its credential. */
function authSchemeOf(kind: string | undefined): 'Basic' | 'Bearer' | null {
  return kind === 'basic' ? 'Basic' : kind === 'bearer' || kind === 'oauth2_client_credentials' ? 'Bearer' : null;
}
