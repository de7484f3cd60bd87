import { describe, expect, it } from 'vitest';
import { candidatePatterns, patternMatches } from '../../src/delivery/subscribers.js';

const TYPES = ['a', 'a.b', 'a.b.c', 'a.b.c.d', 'video.media.ready', 'webhook.disabled'];
const PATTERNS = [
  '*',
  'a.*',
  'a.b.*',
  'a.b.c.*',
  'a.c.*',
  'b.*',
  'a',
  'a.b',
  'a.b.c',
  'video.*',
  'video.media.*',
  'webhook.*',
  'webhook.disabled',
];

describe('the subscription rule', () => {
  it('matches * always, prefix.* every type under the prefix (any depth), else the exact name', () => {
    expect(patternMatches('*', 'a.b.c')).toBe(true);
    expect(patternMatches('a.*', 'a.b.c')).toBe(true);
    expect(patternMatches('a.b.*', 'a.b.c')).toBe(true);
    expect(patternMatches('a.b.c.*', 'a.b.c')).toBe(false);
    expect(patternMatches('a.c.*', 'a.b.c')).toBe(false);
    expect(patternMatches('a.b', 'a.b.c')).toBe(false);
    expect(patternMatches('a.b.c', 'a.b.c')).toBe(true);
  });

  it.each(TYPES)('SQL candidates of %s are exactly the patterns that match it', (type) => {
    const candidates = new Set(candidatePatterns(type));
    for (const p of PATTERNS) expect([p, candidates.has(p)]).toEqual([p, patternMatches(p, type)]);
  });
});
