import { describe, expect, it } from 'vitest';
import { createTtlCache } from '../../src/services/ttl-cache.js';

describe('ttl cache', () => {
  it('serves an entry until its ttl passes, then forgets it', () => {
    let now = 1_000;
    const c = createTtlCache<string>(5_000, 10, () => now);
    c.set('k', 'v');
    now += 4_999;
    expect(c.get('k')).toBe('v');
    now += 1;
    expect(c.get('k')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const c = createTtlCache<number>(60_000, 2);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('forgets at once what is deleted or cleared', () => {
    const c = createTtlCache<number>(60_000);
    c.set('a', 1);
    c.set('b', 2);
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
    c.clear();
    expect(c.get('b')).toBeUndefined();
  });
});
