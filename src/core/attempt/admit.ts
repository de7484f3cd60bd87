import { leaseMs, refusedWakeAtMs } from '../../delivery/in-flight-cap.js';
import { loadTarget, type Recorded, type Stopped, type Target } from './load-target.js';
import { rateLimitKey, reserveSlot } from './rate-limiter.js';
import { systemSlotClock, waitForSlot } from '../../delivery/wait-for-slot.js';
import type { AttemptInput } from './attempt-types.js';
import { recordRateLimitWait } from '../../observability/attempt-metrics.js';
import { extendLease } from '../../repositories/webhook-in-flight-repo.js';
import type { AttemptDeps } from './attempt-deps.js';
import { inStage, PreDeliveryError } from './stage-errors.js';

export type Ready = Extract<Target, { kind: 'ready' }>;

/**
 * What admission decided: send now (`ready`, the rate-limit slot is due and a place under the
 * concurrency cap is held), wait on a workflow timer (`throttled`: every place is taken, or the
 * slot is more than a moment away), stop (`stopped`: nothing to send to), or answer what this
 * attempt recorded when it ran before (`recorded`: a re-run; nothing is sent again).
 */
export type Admission = { kind: 'ready'; target: Ready } | { kind: 'throttled'; slotAtMs: number; wakeAtMs: number } | Stopped | Recorded;

/**
 * The admit stage, in one round trip when nothing waits: load webhook and event fresh, take a
 * place under the webhook's concurrency cap, and reserve a rate-limit slot unless the workflow
 * already holds one (load-target.ts), then hold until the slot (wait-for-slot.ts).
 */
export async function admit(deps: AttemptDeps, input: AttemptInput, runId: string): Promise<Admission> {
  return inStage(PreDeliveryError, 'attempt could not be admitted', async () => {
    const lease = leaseMs(deps.config.delivery.timeoutMs);
    // Reserve a slot in the same round trip unless the workflow already holds one (0: none held).
    const heldSlotAtMs = input.reservedSlotAtMs || undefined;
    const cap = {
      defaultMaxInFlight: deps.config.delivery.maxInFlight,
      teamMaxInFlight: deps.config.delivery.teamMaxInFlight,
      leaseMs: lease,
    };
    const reserve = heldSlotAtMs === undefined ? { clock: deps.pgClock, leadMs: deps.replyLag.leadMs() } : undefined;
    const target = await loadTarget(deps.db, input, runId, cap, reserve);
    if (target.kind === 'stopped' || target.kind === 'recorded') return target;
    // Every place is taken: wait on a workflow timer like a rate-limit wait (no worker slot held,
    // no attempt counted). slotAtMs 0: no rate-limit slot was reserved for this delivery.
    if (target.kind === 'busy') {
      const wakeAtMs = refusedWakeAtMs(Date.now(), target.queueWaitMs, Math.random());
      deps.log.debug('attempt waits: webhook or team at its concurrency cap', {
        deliveryId: input.deliveryId,
        attempt: input.attempt,
        waitMs: wakeAtMs - Date.now(),
      });
      return { kind: 'throttled', slotAtMs: 0, wakeAtMs };
    }
    const reserveAhead = (leadMs: number) =>
      reserveSlot(deps.db, deps.pgClock, rateLimitKey(target.webhook.id), target.webhook.rate_limit_per_second, leadMs);
    const waitStartMs = Date.now();
    // How late this process acts on a slot reserved at Postgres' now: the next reservation's lead.
    if (target.reservedAtMs !== undefined) deps.replyLag.observe(waitStartMs - target.reservedAtMs);
    const wait = await waitForSlot(systemSlotClock(reserveAhead), heldSlotAtMs ?? target.slotAtMs);
    recordRateLimitWait(deps.config, (wait.kind === 'throttled' ? wait.wakeAtMs : Date.now()) - waitStartMs);
    if (wait.kind === 'throttled') {
      // Keep the place through the timer: the next call finds its own lease and is admitted.
      await extendLease(
        deps.db,
        { teamId: input.teamId, webhookId: target.webhook.id, deliveryId: input.deliveryId },
        wait.slotAtMs - Date.now() + lease,
      );
      return wait;
    }
    return { kind: 'ready', target };
  });
}
