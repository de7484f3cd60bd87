import { setTimeout as sleepMs } from 'node:timers/promises';

/** Waits up to this long for a rate-limit slot inside the activity; longer waits become a workflow timer. */
export const MAX_INLINE_WAIT_MS = 2_000;
/** A throttled delivery's timer is set this long before its slot (timers are coarse). */
export const EARLY_WAKE_MS = 1_500;
/** A send may start at most this late after its reserved slot; later, the slot is given up. */
export const MAX_LATE_MS = 50;
/** The most a fresh reservation is placed ahead of now after a late one, ms. */
export const MAX_LEAD_MS = 1_000;

export interface SlotClock {
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
  /** Reserves the webhook's next slot at least `leadMs` ahead; resolves with its time on `now`'s clock. */
  reserve: (leadMs: number) => Promise<number>;
}

export type SlotWait = { kind: 'ready' } | { kind: 'throttled'; slotAtMs: number; wakeAtMs: number };

/**
 * Holds an attempt until its rate-limit slot, so that every send starts in [slot, slot +
 * MAX_LATE_MS] on this process' clock (pg-clock.ts places the slot; "reply arrival + wait" would
 * hide a late reply). Two ways a send went wrong before, and the rule for each:
 * - too late (a late reply, a late timer, an oversleep): the slot is given up and one reserved
 *   far enough ahead (twice the lateness, ≤ MAX_LEAD_MS) that the same delay cannot repeat it;
 * - too early: Node's timers count from the event loop's cached time, so after a long
 *   synchronous stretch a `sleep` can end before its time on the wall clock. The wait is checked
 *   again after every sleep, and a send never starts before its slot.
 * Either could put limit + 1 sends in one second.
 */
export async function waitForSlot(clock: SlotClock, reservedSlotAtMs?: number): Promise<SlotWait> {
  let slotAtMs = reservedSlotAtMs;
  let leadMs = 0;
  for (;;) {
    slotAtMs ??= await clock.reserve(leadMs);
    const lateMs = clock.now() - slotAtMs;
    if (lateMs > MAX_LATE_MS) {
      leadMs = Math.min(MAX_LEAD_MS, 2 * lateMs + 10);
      slotAtMs = undefined;
      continue;
    }
    // Workflow timers fire on a coarse (~1 s) grid: wake early and finish the wait here.
    if (-lateMs > MAX_INLINE_WAIT_MS) return { kind: 'throttled', slotAtMs, wakeAtMs: slotAtMs - EARLY_WAKE_MS };
    if (lateMs < 0) {
      await clock.sleep(-lateMs);
      continue; // re-check: early (cached loop time) or late (busy loop) wake-ups both happen
    }
    return { kind: 'ready' };
  }
}

/** The real clock: Date.now, timers, and the given reservation. */
export function systemSlotClock(reserve: (leadMs: number) => Promise<number>): SlotClock {
  return { now: Date.now, sleep: (ms) => sleepMs(ms), reserve };
}
