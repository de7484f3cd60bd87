import { describe, expect, it } from 'vitest';
import { pathDeeperThan } from '../../src/json/value-depth.js';

describe('pathDeeperThan', () => {
  it('finds the first container past the limit without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(pathDeeperThan(deep, 64)).toEqual(Array(64).fill('a'));
    expect(pathDeeperThan({ a: [[{}]] }, 4)).toBeNull();
    expect(pathDeeperThan({ a: [[{}]] }, 3)).toEqual(['a', 0, 0]);
  });

  it('treats a cycle as too deep and re-walks a shared object met deeper', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(pathDeeperThan(cyclic, 64)).toHaveLength(64);
    const shared = { x: {} };
    expect(pathDeeperThan({ a: shared, b: { c: shared } }, 3)).toEqual(['b', 'c', 'x']);
  });
});
