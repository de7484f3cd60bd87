import { randomUUID } from 'node:crypto';
import { classifyOutcome } from '../delivery/classify-outcome.js';
import { nextAttemptDelayMs, maxAttemptsOf } from '../delivery/retry-schedule.js';
import { sendAttempt } from '../delivery/send-attempt.js';
import type { AttemptRecord, Outcome, SendResult } from '../delivery/types.js';
import { recordDeliveryProgress } from '../repositories/deliveries-repo.js';
import { recordAttempt } from '../repositories/delivery-attempts-repo.js';
import { checkUrlSyntax } from '../security/url-safety.js';
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
  const wait = await waitForSlot(systemSlotClock(reserve), heldSlotAtMs ?? target.slotAtMs);
  if (wait.kind === 'throttled') {
    // Keep the place through the timer: the next call finds its own lease and is admitted.
    await extendLease(deps.db, target.webhook.id, input.deliveryId, wait.slotAtMs - Date.now() + lease);
    return wait;
  }

  const result = await send(deps, target);
  const outcome = classifyOutcome(result, Date.now());
  const endMs = Date.parse(result.startedAt) + result.durationMs;
  const decision = decide(deps, target, input, outcome, endMs);
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
  // One statement: the full record to delivery_attempts and the deliveries row.
  await recordAttempt(deps.db, {
    deliveryId: input.deliveryId,
    runId,
    teamId: input.teamId,
    record,
    progress: {
      status: decision.status,
      attempts: input.attempt,
      lastStatusCode: record.responseStatusCode,
      lastError: record.error ? `${record.error.kind}: ${record.error.message}` : decision.reason,
      reason: decision.reason,
      lastAttemptAt: new Date(Date.parse(result.startedAt)),
      nextAttemptAt: decision.nextAttemptAtMs === null ? null : new Date(decision.nextAttemptAtMs),
    },
    holdMs: Date.now() - target.admittedAtMs,
  });
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
  const request = prepareRequest(target, Date.now());
  if (!request.ok) {
    return { startedAt, durationMs: 0, responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error: { kind: 'invalid', message: request.message } };
  }
  return sendAttempt(deps.agent, {
    url: webhook.url,
    method: webhook.http_method,
    headers: request.headers,
    body: request.body,
    timeoutMs: deps.config.delivery.timeoutMs,
    maxResponseBytes: deps.config.delivery.responseBodyMaxBytes,
  });
}

interface Decision {
  status: 'succeeded' | 'failed' | 'retrying';
  reason: string | null;
  nextAttemptAtMs: number | null;
}

function decide(deps: ActivityDeps, target: Target, input: AttemptInput, outcome: Outcome, endMs: number): Decision {
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
      });
      if (delay === null) return { status: 'failed', reason: 'retry policy exhausted', nextAttemptAtMs: null };
      return { status: 'retrying', reason: null, nextAttemptAtMs: endMs + delay };
    }
  }
}

async function deactivateWebhook(deps: ActivityDeps, webhookId: string, reason: string): Promise<void> {
  await deps.db.updateTable('webhooks').set({ active: false, disabled_reason: reason, updated_at: new Date() }).where('id', '=', webhookId).execute();
  deps.log.warn('webhook deactivated', { webhookId, reason });
}
