import { describe, expect, it } from 'vitest';
import { createPgClock } from '../../src/core/attempt/pg-clock.js';

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

describe('pg clock quality', () => {
  it('asks for a sync until it has a sample with a short round trip, as after a pool first connects', () => {
    const c = createPgClock();
    expect(c.needsSync(0)).toBe(true);
    c.sample(0, 230, 115); // the first query on a new connection: 230 ms, mostly connecting
    expect(c.needsSync(230)).toBe(true);
    c.sample(300, 301, 300.5);
    expect(c.needsSync(301)).toBe(false);
    expect(c.needsSync(301 + 11 * 60_000)).toBe(true);
  });
});
