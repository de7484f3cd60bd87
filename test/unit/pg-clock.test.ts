import { describe, expect, it } from 'vitest';
import { createPgClock } from '../../src/activities/pg-clock.js';

describe('pg clock', () => {
  it('places a slot by the fastest round trip, not by when a slow reply arrived', () => {
    const c = createPgClock();
    // Postgres runs 1000 ms ahead. A fast reservation: sent at 0, answered at 2, executed at 1.
    c.sample(0, 2, 1_001);
    // A slow one: sent at 100, executed at 101 (pg 1101), answered 150 ms later.
    c.sample(100, 251, 1_101);
    // Its slot at pg 1101 is local 101, not 251 (when the reply came).
    expect(c.toLocal(1_101)).toBeCloseTo(101, 0);
  });

  it('follows drift: a sample older than the refresh period gives way to a comparable one', () => {
    const c = createPgClock();
    c.sample(0, 2, 1_001);
    c.sample(40_000, 40_004, 41_012); // 10 ms of drift, round trip 4 ms ≤ 2 × 2 + 2
    expect(c.toLocal(41_012)).toBeCloseTo(40_002, 0);
  });
});
