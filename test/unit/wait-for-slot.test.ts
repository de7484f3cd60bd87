import { describe, expect, it } from 'vitest';
import { MAX_LATE_MS, type SlotClock, waitForSlot } from '../../src/delivery/wait-for-slot.js';

/** A fake clock: `sleep` advances time by what `wake` says, `reserve` by what `replyAfter` says. */
function fakeClock(opts: { slots: number[]; wake?: (ms: number, call: number) => number; replyAfter?: (call: number) => number }) {
  let t = 0;
  const leads: number[] = [];
  let sleeps = 0;
  const clock: SlotClock = {
    now: () => t,
    sleep: async (ms) => {
      t += opts.wake ? opts.wake(ms, sleeps) : ms;
      sleeps++;
    },
    reserve: async (leadMs) => {
      const call = leads.length;
      leads.push(leadMs);
      const slot = Math.max(opts.slots[call] ?? 0, t + leadMs);
      t += opts.replyAfter ? opts.replyAfter(call) : 0;
      return slot;
    },
  };
  return { clock, leads, now: () => t, sleeps: () => sleeps };
}

describe('waiting for a rate-limit slot', () => {
  it('never starts a send before its slot when a timer ends early', async () => {
    // The first sleep ends 100 ms early (Node timers count from the loop's cached time).
    const f = fakeClock({ slots: [220], wake: (ms, call) => (call === 0 ? ms - 100 : ms) });
    expect(await waitForSlot(f.clock)).toEqual({ kind: 'ready' });
    expect(f.now()).toBeGreaterThanOrEqual(220);
    expect(f.sleeps()).toBe(2);
  });

  it('gives a slot up when the reply came back too late, and reserves the next one ahead by twice the lateness', async () => {
    // The first reservation's reply arrives 120 ms after its slot; the second one promptly.
    const f = fakeClock({ slots: [0, 0], replyAfter: (call) => (call === 0 ? 120 : 0) });
    expect(await waitForSlot(f.clock)).toEqual({ kind: 'ready' });
    expect(f.leads).toEqual([0, 2 * 120 + 10]);
    expect(f.now()).toBe(120 + 250);
  });

  it('starts a send that is at most MAX_LATE_MS past its slot', async () => {
    const f = fakeClock({ slots: [100], wake: (ms) => ms + MAX_LATE_MS });
    expect(await waitForSlot(f.clock)).toEqual({ kind: 'ready' });
    expect(f.leads).toEqual([0]);
  });

  it('hands a wait of more than 2 s back to the workflow, to wake 1.5 s before the slot', async () => {
    const f = fakeClock({ slots: [5_000] });
    expect(await waitForSlot(f.clock)).toEqual({ kind: 'throttled', slotAtMs: 5_000, wakeAtMs: 3_500 });
  });
});
