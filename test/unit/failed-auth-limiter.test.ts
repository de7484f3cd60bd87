import { describe, expect, it } from 'vitest';
import { createFailedAuthLimiter } from '../../src/api/failed-auth-limiter.js';

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
});
