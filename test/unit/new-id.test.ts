import { describe, expect, it } from 'vitest';
import { newId } from '../../src/services/ids.js';

describe('newId', () => {
  it('gives the prefix and 20 lowercase hex chars, never a colon', () => {
    for (const prefix of ['team', 'key', 'prj', 'wh', 'evt', 'att'] as const) expect(newId(prefix)).toMatch(/^[a-z]+_[0-9a-f]{20}$/);
  });

  it('never repeats an id across many refills of its random pool', () => {
    const ids = new Set(Array.from({ length: 5_000 }, () => newId('evt')));
    expect(ids.size).toBe(5_000);
  });
});
