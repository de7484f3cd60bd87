import { describe, expect, it } from 'vitest';
import {
  LEASE_MARGIN_MS,
  leaseMs,
  MAX_REFUSED_WAIT_MS,
  MIN_REFUSED_WAIT_MS,
  REFUSED_WAIT_JITTER,
  refusedWakeAtMs,
} from '../../src/delivery/in-flight-cap.js';
import { MAX_INLINE_WAIT_MS, MAX_LEAD_MS } from '../../src/delivery/wait-for-slot.js';

describe('concurrency lease length', () => {
  it.each([100, 15_000, 120_000])('outlives the longest an attempt with a %i ms timeout can hold its place', (timeoutMs) => {
    // send ≤ timeout, in-activity rate wait ≤ MAX_INLINE_WAIT_MS plus one re-reservation ≤ MAX_LEAD_MS
    expect(leaseMs(timeoutMs)).toBe(timeoutMs + MAX_INLINE_WAIT_MS + MAX_LEAD_MS + LEASE_MARGIN_MS);
    expect(leaseMs(timeoutMs)).toBeGreaterThan(timeoutMs + MAX_INLINE_WAIT_MS + MAX_LEAD_MS);
  });
});

describe('refused delivery wake-up', () => {
  const now = 1_000_000;

  it('wakes at its place in the queue, moved later by at most 10 % jitter', () => {
    expect(refusedWakeAtMs(now, 4_000, 0)).toBe(now + 4_000);
    expect(refusedWakeAtMs(now, 4_000, 0.5)).toBe(now + 4_200);
    expect(refusedWakeAtMs(now, 4_000, 0.999999)).toBeLessThanOrEqual(now + 4_000 * (1 + REFUSED_WAIT_JITTER));
  });

  it('never wakes sooner than the minimum wait, even at the head of the queue', () => {
    expect(refusedWakeAtMs(now, 0, 0)).toBe(now + MIN_REFUSED_WAIT_MS);
    expect(refusedWakeAtMs(now, -50, 0)).toBe(now + MIN_REFUSED_WAIT_MS);
    expect(refusedWakeAtMs(now, Number.NaN, 0)).toBe(now + MIN_REFUSED_WAIT_MS);
  });

  it('never sleeps longer than the queue bound plus jitter', () => {
    expect(refusedWakeAtMs(now, 10 * MAX_REFUSED_WAIT_MS, 0)).toBe(now + MAX_REFUSED_WAIT_MS);
    expect(refusedWakeAtMs(now, Number.POSITIVE_INFINITY, 0.5)).toBe(now + MAX_REFUSED_WAIT_MS * 1.05);
  });

  it('spreads waiters that share a place in the queue instead of waking them together', () => {
    const wakes = new Set(Array.from({ length: 20 }, (_, i) => refusedWakeAtMs(now, MAX_REFUSED_WAIT_MS, i / 20)));
    expect(wakes.size).toBe(20);
    expect(Math.max(...wakes) - Math.min(...wakes)).toBeGreaterThanOrEqual(0.09 * MAX_REFUSED_WAIT_MS);
  });
});
