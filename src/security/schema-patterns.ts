import { isSafePattern } from 'redos-detector';

/** Time one pattern may take to prove safe, ms; a pattern that cannot is refused. */
const PATTERN_CHECK_MS = 50;
/** Work one pattern's check may do; past it the pattern is refused as too complex to prove safe. */
const MAX_STEPS = 20_000;
/** Time all the patterns of one API call may take, ms (an import can carry 1000 schemas). */
export const SCHEMA_CHECK_BUDGET_MS = 1_000;

/** Subtrees holding data, not schemas: a `pattern` key there is not a regex. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

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
 */
export function findUnsafePattern(schema: unknown, deadline = Date.now() + SCHEMA_CHECK_BUDGET_MS): UnsafePattern | null {
  const walk = (node: unknown, path: (string | number)[]): UnsafePattern | null => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const bad = walk(node[i], [...path, i]);
        if (bad) return bad;
      }
      return null;
    }
    if (!node || typeof node !== 'object') return null;
    for (const [key, value] of Object.entries(node)) {
      if (DATA_KEYWORDS.has(key)) continue;
      if (key === 'pattern' && typeof value === 'string') {
        const reason = patternProblem(value, deadline);
        if (reason) return { path: [...path, key], reason };
      }
      if (key === 'patternProperties' && value && typeof value === 'object' && !Array.isArray(value)) {
        for (const regex of Object.keys(value)) {
          const reason = patternProblem(regex, deadline);
          if (reason) return { path: [...path, key, regex], reason };
        }
      }
      const bad = walk(value, [...path, key]);
      if (bad) return bad;
    }
    return null;
  };
  return walk(schema, []);
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
