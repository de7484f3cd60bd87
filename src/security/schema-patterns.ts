import { isSafePattern } from 'redos-detector';
import { isObject, LIST, MAP, ONE, subschemasAt } from './schema-positions.js';

/** Time one pattern may take to prove safe, ms; a pattern that cannot is refused. */
const PATTERN_CHECK_MS = 50;
/** Work one pattern's check may do; past it the pattern is refused as too complex to prove safe. */
const MAX_STEPS = 20_000;
/** Time all the patterns of one API call may take, ms (an import can carry 1000 schemas). */
export const SCHEMA_CHECK_BUDGET_MS = 1_000;

export interface UnsafePattern {
  /** Where in the schema, e.g. `['properties', 'sku', 'pattern']`. */
  path: (string | number)[];
  reason: string;
}

/**
 * The first `pattern` or `patternProperties` key in a JSON Schema that could backtrack
 * catastrophically on a crafted payload (`(a+)+`, `(a|a)*`, …), or null if all are safe.
 * Publish validates payloads with these regexes in the API process, so one such pattern could
 * stall it. Checked with redos-detector; a pattern it cannot prove safe in time is refused too.
 * Walks schema positions only (schema-positions.ts), and refuses a `$ref` whose JSON pointer leads anywhere
 * else: Ajv would compile that data (an `examples` member, say) as a schema, unchecked.
 */
export function findUnsafePattern(schema: unknown, deadline = Date.now() + SCHEMA_CHECK_BUDGET_MS): UnsafePattern | null {
  const walk = (node: unknown, path: (string | number)[]): UnsafePattern | null => {
    if (!isObject(node)) return null;
    for (const [key, value] of Object.entries(node)) {
      const at = [...path, key];
      if (key === 'pattern' && typeof value === 'string') {
        const reason = patternProblem(value, deadline);
        if (reason) return { path: at, reason };
      }
      if (key === 'patternProperties' && isObject(value)) {
        for (const regex of Object.keys(value)) {
          const reason = patternProblem(regex, deadline);
          if (reason) return { path: [...at, regex], reason };
        }
      }
      if (key === '$ref' && typeof value === 'string') {
        const reason = refProblem(value);
        if (reason) return { path: at, reason };
      }
      for (const [below, child] of subschemasAt(key, value)) {
        const bad = walk(child, [...at, ...below]);
        if (bad) return bad;
      }
    }
    return null;
  };
  return walk(schema, []);
}

/** Why a `$ref`'s JSON pointer (`…#/a/b`) does not name a schema position, or null if it does (or has none). */
function refProblem(ref: string): string | null {
  const hash = ref.indexOf('#');
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  if (fragment === '' || !fragment.startsWith('/')) return null;
  // `items` is one schema or (draft-07) a list of them: an index may follow it, or a keyword.
  let at: 'schema' | 'list' | 'map' | 'items' = 'schema';
  for (const raw of fragment.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return 'must be a valid JSON pointer';
    }
    if (at === 'items' && /^\d+$/.test(seg)) {
      at = 'schema';
      continue;
    }
    if (at === 'list') {
      if (!/^\d+$/.test(seg)) return 'must point at a schema (a list member is named by its index)';
      at = 'schema';
    } else if (at === 'map') at = 'schema';
    else if (MAP.has(seg)) at = 'map';
    else if (LIST.has(seg) && !ONE.has(seg)) at = 'list';
    else if (seg === 'items') at = 'items';
    else if (ONE.has(seg)) at = 'schema';
    else return `must point at a schema position; ${JSON.stringify(seg)} holds data, not a schema`;
  }
  return null;
}

function patternProblem(pattern: string, deadline: number): string | null {
  const left = deadline - Date.now();
  if (left <= 0) return 'too many patterns to check in one call; send fewer schemas at a time';
  // The detector's parser lacks named groups; `(?<name>x)` backtracks exactly as `(x)` does.
  const plain = pattern.replace(/\(\?<(?![=!])[A-Za-z_$][\w$]*>/g, '(');
  let result: ReturnType<typeof isSafePattern>;
  try {
    result = isSafePattern(plain, { unicode: true, timeout: Math.min(PATTERN_CHECK_MS, left), maxSteps: MAX_STEPS });
    // The work is bounded by MAX_STEPS; a time-out means the CPU was busy (a loaded box, a cold
    // JIT), not that the pattern is bad: measured here, safe `^[a-z]{1,16}$` timed out at 132 ms
    // under load and took 1 ms warm. Give it the rest of the call's budget before refusing.
    if (!result.safe && result.error === 'timedOut' && deadline - Date.now() > 0) {
      result = isSafePattern(plain, { unicode: true, timeout: deadline - Date.now(), maxSteps: MAX_STEPS });
    }
  } catch {
    return 'pattern could not be checked for catastrophic backtracking; simplify it';
  }
  if (result.safe) return null;
  return 'pattern may backtrack catastrophically (ReDoS: nested or overlapping quantifiers such as `(a+)+` or `(a|a)*`); rewrite it so each character can match only one way';
}
