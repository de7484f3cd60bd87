import { randomUUID } from 'node:crypto';
import { classifyOutcome } from '../delivery/classify-outcome.js';
import { nextAttemptDelayMs, maxAttemptsOf } from '../delivery/retry-schedule.js';
import { sendAttempt } from '../delivery/send-attempt.js';
import type { AttemptRecord, Outcome, SendResult } from '../delivery/types.js';
import { recordAttemptMetrics, recordRateLimitWait } from '../observability/attempt-metrics.js';
import { SpanKind, SpanStatusCode, withSpan } from '../observability/tracing.js';
import { recordDeliveryProgress } from '../repositories/deliveries-repo.js';
import { recordAttempt } from '../repositories/delivery-attempts-repo.js';
import { redactUrl } from '../security/redact-url.js';
import { checkUrlSyntax } from '../security/url-safety.js';
import { isOperationalEventType } from '../catalogs/operational-events.js';
import { type HealthVerdict, isOverload, overloadPenaltyFactor } from '../delivery/endpoint-health.js';
import { TEST_EVENT_TYPE } from '../api/test-ping.js';
import { startRaisedEvents } from './start-raised-events.js';
import type { ActivityDeps } from './create-activities.js';
import type { AttemptInput, AttemptOutcome } from './attempt-types.js';
import { leaseMs, refusedWakeAtMs } from './in-flight-cap.js';
import { loadTarget, type Target } from './load-target.js';
import { extendLease } from '../repositories/webhook-in-flight-repo.js';
import { prepareRequest } from './prepare-request.js';
import { rateLimitKey, reserveSlot } from './rate-limiter.js';
import { capForState } from './state-record.js';
import { systemSlotClock, waitForSlot } from './wait-for-slot.js';

/**
 * Pipeline of one attempt: take a place under the webhook's concurrency cap → prepare → reserve
 * slot → send → classify → decide → record (and release the place).
 * `runId` is the delivery workflow's run: attempt records are idempotent per (delivery, run, attempt).
 */
export async function attemptDelivery(deps: ActivityDeps, input: AttemptInput, runId: string): Promise<AttemptOutcome> {
  const lease = leaseMs(deps.config.delivery.timeoutMs);
  // Reserve a slot in the same round trip unless the workflow already holds one (0: none held).
  const heldSlotAtMs = input.reservedSlotAtMs || undefined;
  const cap = { defaultMaxInFlight: deps.config.delivery.maxInFlight, leaseMs: lease };
  const target = await loadTarget(deps.db, input, cap, heldSlotAtMs === undefined ? deps.pgClock : undefined);
  if (target.kind === 'stopped') {
    await recordDeliveryProgress(deps.db, input.deliveryId, { status: 'cancelled', lastError: target.reason, reason: target.reason, nextAttemptAt: null, runId });
    return target;
  }
  // Every place is taken: wait on a workflow timer like a rate-limit wait (no worker slot held,
  // no attempt counted). slotAtMs 0: no rate-limit slot was reserved for this delivery.
  if (target.kind === 'busy') {
    const wakeAtMs = refusedWakeAtMs(Date.now(), target.queueWaitMs, Math.random());
    deps.log.debug('attempt waits: webhook at its concurrency cap', { deliveryId: input.deliveryId, attempt: input.attempt, waitMs: wakeAtMs - Date.now() });
    return { kind: 'throttled', slotAtMs: 0, wakeAtMs };
  }
  const reserve = (leadMs: number) => reserveSlot(deps.db, deps.pgClock, rateLimitKey(target.webhook.id), target.webhook.rate_limit_per_second, leadMs);
  const waitStartMs = Date.now();
  const wait = await waitForSlot(systemSlotClock(reserve), heldSlotAtMs ?? target.slotAtMs);
  recordRateLimitWait(deps.config, (wait.kind === 'throttled' ? wait.wakeAtMs : Date.now()) - waitStartMs);
  if (wait.kind === 'throttled') {
    // Keep the place through the timer: the next call finds its own lease and is admitted.
    await extendLease(deps.db, target.webhook.id, input.deliveryId, wait.slotAtMs - Date.now() + lease);
    return wait;
  }

  const result = await send(deps, target);
  const outcome = classifyOutcome(result, Date.now());
  const endMs = Date.parse(result.startedAt) + result.durationMs;
  const overloaded = isOverload(result.statusCode, result.error?.kind);
  const decision = decide(deps, target, input, outcome, endMs, overloaded);
  if (outcome.kind === 'gone') await deactivateWebhook(deps, target.webhook.id, `receiver answered 410 Gone at ${new Date(endMs).toISOString()}`);

  const record: AttemptRecord = {
    id: `att_${randomUUID()}`,
    attempt: input.attempt,
    webhookId: target.webhook.id,
    address: target.webhook.url,
    createdAt: result.startedAt,
    durationMs: result.durationMs,
    responseStatusCode: result.statusCode ?? null,
    responseHeaders: result.responseHeaders,
    responseBody: result.responseBody,
    error: result.error ?? null,
    maxAttempts: maxAttemptsOf(target.webhook.retry_policy),
    nextAttemptAt: decision.nextAttemptAtMs === null ? null : new Date(decision.nextAttemptAtMs).toISOString(),
  };
  const lastError = record.error ? `${record.error.kind}: ${record.error.message}` : decision.reason;
  // One statement: the full record to delivery_attempts, the deliveries row, the endpoint's
  // health (and, when this attempt causes them, the disable and the operational events), and the
  // release of its place under the concurrency cap.
  const raised = await recordAttempt(deps.db, {
    deliveryId: input.deliveryId,
    runId,
    teamId: input.teamId,
    record,
    progress: {
      status: decision.status,
      attempts: input.attempt,
      lastStatusCode: record.responseStatusCode,
      lastError,
      reason: decision.reason,
      lastAttemptAt: new Date(Date.parse(result.startedAt)),
      nextAttemptAt: decision.nextAttemptAtMs === null ? null : new Date(decision.nextAttemptAtMs),
    },
    health: {
      verdict: healthVerdict(outcome),
      disableAfterFailingMs: deps.config.delivery.disableAfterFailingMs,
      disableReason: disableReason(deps.config.delivery.disableAfterFailingMs, record.responseStatusCode, lastError),
      redactedUrl: redactUrl(target.webhook.url),
      exhausted: decision.status === 'failed' && outcome.kind === 'retryable' && mayReportExhaustion(target.event.type),
      eventId: target.event.id,
      eventType: target.event.type,
    },
    holdMs: Date.now() - target.admittedAtMs,
  });
  recordAttemptMetrics(deps.config, { outcome: outcome.kind, durationMs: result.durationMs, status: decision.status, publishedAtMs: epochMsOf(target.event.created_at), endedAtMs: endMs });
  if (raised.length) await startRaisedEvents(deps, input.teamId, raised);
  deps.log.debug('attempt', { deliveryId: input.deliveryId, attempt: input.attempt, status: decision.status, code: record.responseStatusCode, ms: result.durationMs });
  return { kind: 'attempted', record: capForState(record), status: decision.status, reason: decision.reason, attemptedAtMs: Date.parse(result.startedAt) };
}

async function send(deps: ActivityDeps, target: Target): Promise<SendResult> {
  const { webhook } = target;
  const startedAt = new Date().toISOString();
  // Re-check the URL's static rules at send time: config or stored data may have changed.
  const syntax = checkUrlSyntax(webhook.url, { allowPrivate: deps.config.delivery.allowPrivateTargets });
  if (!syntax.ok) {
    return { startedAt, durationMs: 0, responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error: { kind: 'blocked', message: syntax.message } };
  }
  const request = prepareRequest(target, Date.now(), deps.config.encryptionKeys);
  if (!request.ok) {
    // Key errors are the operator's to fix: say so in the worker's log (ids only, never key or secret bytes).
    if (request.keyError) deps.log.error('signing secret cannot be decrypted; delivery fails', { webhookId: webhook.id, reason: request.message });
    return { startedAt, durationMs: 0, responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error: { kind: 'invalid', message: request.message } };
  }
  // The outbound request's span (tracing on only); the URL is redacted as in the Temporal UI.
  return withSpan(webhook.http_method, SpanKind.CLIENT, async (span) => {
    span?.setAttributes({ 'http.request.method': webhook.http_method, 'url.full': redactUrl(webhook.url) });
    const result = await sendAttempt(deps.agent, {
      url: webhook.url,
      method: webhook.http_method,
      headers: request.headers,
      body: request.body,
      timeoutMs: deps.config.delivery.timeoutMs,
      maxResponseBytes: deps.config.delivery.responseBodyMaxBytes,
    });
    if (result.statusCode !== undefined) span?.setAttribute('http.response.status_code', result.statusCode);
    if (result.error) span?.setStatus({ code: SpanStatusCode.ERROR, message: result.error.kind });
    else if (result.statusCode !== undefined && result.statusCode >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
    return result;
  });
}

interface Decision {
  status: 'succeeded' | 'failed' | 'retrying';
  reason: string | null;
  nextAttemptAtMs: number | null;
}

/** A data error sent nothing, so it says nothing about the endpoint; every other failure counts against it. */
function healthVerdict(outcome: Outcome): HealthVerdict {
  return outcome.kind === 'success' ? 'success' : outcome.kind === 'invalid' ? null : 'failure';
}

/** Operational events and pings never raise `delivery.exhausted` (catalogs/operational-events.ts: no loops). */
function mayReportExhaustion(eventType: string): boolean {
  return !isOperationalEventType(eventType) && eventType !== TEST_EVENT_TYPE;
}

function disableReason(spanMs: number, statusCode: number | null, lastError: string | null): string {
  const span = spanMs >= 86_400_000 && spanMs % 86_400_000 === 0 ? `${spanMs / 86_400_000} days` : spanMs >= 60_000 ? `${Math.round(spanMs / 60_000)} minutes` : `${Math.round(spanMs / 1000)} seconds`;
  const last = statusCode !== null ? `HTTP ${statusCode}` : (lastError ?? 'no response').slice(0, 200);
  return `disabled automatically: every attempt failed for ${span} (last: ${last})`;
}

function decide(deps: ActivityDeps, target: Target, input: AttemptInput, outcome: Outcome, endMs: number, overloaded: boolean): Decision {
  switch (outcome.kind) {
    case 'success':
      return { status: 'succeeded', reason: null, nextAttemptAtMs: null };
    case 'gone':
      return { status: 'failed', reason: 'receiver answered 410 Gone; webhook deactivated', nextAttemptAtMs: null };
    case 'blocked':
      return { status: 'failed', reason: 'target address is not allowed; not retried', nextAttemptAtMs: null };
    case 'invalid':
      return { status: 'failed', reason: `data error: the request could not be built from the stored webhook or event (${outcome.message}); not retried`, nextAttemptAtMs: null };
    case 'retryable': {
      const delay = nextAttemptDelayMs({
        policy: target.webhook.retry_policy,
        attempt: input.attempt,
        firstAttemptAtMs: input.firstAttemptAtMs ?? endMs,
        nowMs: endMs,
        retryAfterMs: outcome.retryAfterMs,
        random: Math.random(),
        timeScale: deps.config.delivery.retryTimeScale,
        // The endpoint's health as loaded with this attempt's target (before this attempt).
        penaltyFactor: overloadPenaltyFactor(
          { consecutiveFailures: target.webhook.consecutive_failures, successes: target.webhook.health_successes, failures: target.webhook.health_failures },
          overloaded,
        ),
      });
      if (delay === null) return { status: 'failed', reason: 'retry policy exhausted', nextAttemptAtMs: null };
      return { status: 'retrying', reason: null, nextAttemptAtMs: endMs + delay };
    }
  }
}

async function deactivateWebhook(deps: ActivityDeps, webhookId: string, reason: string): Promise<void> {
  await deps.db.updateTable('webhooks').set({ active: false, disabled_reason: reason, disabled_at: new Date(), updated_at: new Date() }).where('id', '=', webhookId).execute();
  deps.log.warn('webhook deactivated', { webhookId, reason });
}

/** A timestamp column as epoch ms; NaN when it is not a Date (pg returns Infinity for 'infinity'), so poison rows never throw here. */
function epochMsOf(value: unknown): number {
  return value instanceof Date ? value.getTime() : Number.NaN;
}
