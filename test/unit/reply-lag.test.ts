import { describe, expect, it } from 'vitest';
import { createReplyLag } from '../../src/core/attempt/reply-lag.js';
import { MAX_LATE_MS, MAX_LEAD_MS } from '../../src/delivery/wait-for-slot.js';

describe('reply lag', () => {
  it('reserves at Postgres now (no lead) while replies come back within the lateness a send may have', () => {
    const lag = createReplyLag();
    expect(lag.leadMs()).toBe(0);
    for (let i = 0; i < 100; i++) lag.observe(5 + (i % 20));
    expect(lag.leadMs()).toBe(0);
  });

  it('leads by the busy loop’s delay, so that nine sends in ten start within the lateness allowed', () => {
    const lag = createReplyLag();
    // Delays of 100…199 ms, as on a loaded 2-core box.
    for (let i = 0; i < 64; i++) lag.observe(100 + ((i * 37) % 100));
    const lead = lag.leadMs();
    const delays = Array.from({ length: 100 }, (_, i) => 100 + i);
    const lateness = delays.map((d) => d - lead);
    const onTime = lateness.filter((l) => l <= MAX_LATE_MS).length;
    expect(onTime).toBeGreaterThanOrEqual(90);
    // And it does not lead by more than it must: the fastest replies wait under 100 ms for their slot.
    expect(lead - 100).toBeLessThan(100);
  });

  it('forgets a past burst of lag once replies are fast again', () => {
    const lag = createReplyLag();
    for (let i = 0; i < 64; i++) lag.observe(400);
    expect(lag.leadMs()).toBeGreaterThan(300);
    for (let i = 0; i < 64; i++) lag.observe(3);
    expect(lag.leadMs()).toBe(0);
  });

  it('never leads by more than the most a reservation may be placed ahead, and ignores unusable delays', () => {
    const lag = createReplyLag();
    for (let i = 0; i < 64; i++) lag.observe(60_000);
    expect(lag.leadMs()).toBe(MAX_LEAD_MS);
    const other = createReplyLag();
    other.observe(Number.NaN);
    other.observe(-50);
    expect(other.leadMs()).toBe(0);
  });
});
