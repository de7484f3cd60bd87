import { describe, expect, it } from 'vitest';
import { createApiRateLimiter } from '../../src/api/api-rate-limiter.js';

describe('per-key API rate limiter', () => {
  it('allows the limit per minute, refuses the next, and resets after the window', () => {
    let t = 1_000_000;
    const l = createApiRateLimiter(3, () => t);
    expect([1, 2, 3].map(() => l.check('k').allowed)).toEqual([true, true, true]);
    const refused = l.check('k');
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 60 });
    t += 45_000;
    expect(l.check('k').retryAfterSeconds).toBe(15);
    t += 15_000;
    expect(l.check('k')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('counts each key on its own', () => {
    const l = createApiRateLimiter(1, () => 0);
    expect(l.check('a').allowed).toBe(true);
    expect(l.check('b').allowed).toBe(true);
    expect(l.check('a').allowed).toBe(false);
  });

  it('takes a cost whole or not at all, and peeks without taking', () => {
    const l = createApiRateLimiter(5, () => 0);
    expect(l.check('k', 3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(l.peek('k', 2)).toMatchObject({ allowed: true, remaining: 2 });
    expect(l.check('k', 3)).toMatchObject({ allowed: false, remaining: 2 });
    expect(l.check('k', 2)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
