import { describe, expect, it } from 'vitest';
import { createFailedAuthLimiter, MAX_ADDRESSES } from '../../src/api/failed-auth-limiter.js';

describe('failed-auth limiter', () => {
  it('blocks an address once it has used up its failures, until its minute ends', () => {
    let t = 1_000_000;
    const l = createFailedAuthLimiter(3, () => t);
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('10.0.0.1')).toBe(0);
      l.recordFailure('10.0.0.1');
    }
    expect(l.blockedFor('10.0.0.1')).toBe(60);
    t += 59_500;
    expect(l.blockedFor('10.0.0.1')).toBe(1);
    t += 500;
    expect(l.blockedFor('10.0.0.1')).toBe(0);
  });

  it('counts each address on its own', () => {
    const l = createFailedAuthLimiter(1, () => 0);
    l.recordFailure('10.0.0.1');
    expect(l.blockedFor('10.0.0.1')).toBeGreaterThan(0);
    expect(l.blockedFor('10.0.0.2')).toBe(0);
  });

  it('tracks at most MAX_ADDRESSES addresses in one minute, forgetting the oldest first, and takes a flood of new addresses in linear time', () => {
    const l = createFailedAuthLimiter(1, () => 0);
    for (let i = 0; i <= MAX_ADDRESSES; i++) l.recordFailure(`2001:db8::${i.toString(16)}`);
    expect(l.blockedFor('2001:db8::0')).toBe(0);
    expect(l.blockedFor('2001:db8::1')).toBeGreaterThan(0);
    expect(l.blockedFor(`2001:db8::${MAX_ADDRESSES.toString(16)}`)).toBeGreaterThan(0);
  });
});
