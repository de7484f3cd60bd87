import type { PathSegment } from './scan-json.js';

/**
 * The path of the first object or array nested deeper than `max` levels (the root counting as
 * 1), or null. Iterative, and bounded: an object shared by several parents is walked again only
 * when met deeper than before, and a cycle (possible from in-process callers) counts as too deep.
 * Guards code that recurses, such as JSON.stringify.
 */
export function pathDeeperThan(value: unknown, max: number): PathSegment[] | null {
  type Node = { value: unknown; depth: number; parent: Node | null; seg: PathSegment };
  const deepestSeen = new Map<object, number>();
  const stack: Node[] = [{ value, depth: 1, parent: null, seg: '' }];
  while (stack.length) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v !== 'object' || v === null) continue;
    if (node.depth > max) {
      const path: PathSegment[] = [];
      for (let n: Node | null = node; n?.parent; n = n.parent) path.push(n.seg);
      return path.reverse();
    }
    if ((deepestSeen.get(v) ?? 0) >= node.depth) continue;
    deepestSeen.set(v, node.depth);
    const entries = Array.isArray(v) ? v.map((item, i) => [i, item] as const) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push({ value: entries[i]![1], depth: node.depth + 1, parent: node, seg: entries[i]![0] });
  }
  return null;
}
