import { textViolation } from './text-rules.js';

/**
 * The first string or object key anywhere in `input` that breaks the `storable` text rule (NUL,
 * lone surrogate), with its path; for a key, the path is its object's and the rule names the key.
 * Iterative and visits each object once, so any depth or shape (cycles included) is safe.
 */
export function findUnstorableText(input: unknown): { path: PropertyKey[]; rule: string; key?: string } | null {
  type Node = { value: unknown; parent: Node | null; seg: PropertyKey };
  const pathOf = (node: Node) => {
    const path: PropertyKey[] = [];
    for (let n: Node | null = node; n?.parent; n = n.parent) path.push(n.seg);
    return path.reverse();
  };
  const seen = new Set<object>();
  const stack: Node[] = [{ value: input, parent: null, seg: '' }];
  while (stack.length) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      const rule = textViolation(v, 'storable');
      if (rule) return { path: pathOf(node), rule };
      continue;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    const entries = Array.isArray(v) ? v.map((item, i) => [i, item] as const) : Object.entries(v);
    if (!Array.isArray(v)) {
      for (const [key] of entries) {
        const rule = textViolation(key as string, 'storable');
        if (rule) return { path: pathOf(node), rule, key: key as string };
      }
    }
    // Pushed in reverse, so the first violation in document order is the one reported.
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], parent: node, seg: entries[i]![0] });
  }
  return null;
}
