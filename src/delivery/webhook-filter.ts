/**
 * Webhook filters: which of a webhook's subscribed events it actually receives.
 *
 * A filter is a JSON document over `{ type, data }` (the event's type and its data, as the
 * publisher sent it), in the style of MongoDB queries:
 *
 *   { "data.amount": { "$gt": 1000 }, "data.currency": { "$in": ["EUR", "USD"] } }
 *
 * - A key is a dotted path (`data.order.id`, or `type`); its value is a value to equal, or an
 *   object of operators: `$eq $ne $in $nin $gt $gte $lt $lte $exists`.
 * - `$and` / `$or` take a list of filters, `$not` one filter. Several keys in one object: all hold.
 * - Values are strings, numbers, booleans or null; a number beyond ±2^53 or with more digits than
 *   a double holds is written `{ "$decimal": "9007199254740993" }`, so it is compared exactly.
 * - A path that reaches an array matches when any element matches (`{"data.tags": "vip"}`).
 * - Numbers compare as exact decimals (`1.0` equals `1`, `1e400` is a number); strings compare by
 *   Unicode code point; a comparison across types (5 against "5") is false, never an error.
 * - `null` equals only an explicit null; a missing path is `{ "$exists": false }`.
 *
 * The filter compiles here into one SQL/JSON path predicate (`jsonpath`), stored beside it and
 * evaluated by PostgreSQL inside the publish statement (core/insert-event-with-deliveries.ts),
 * on the same `data` text the receiver gets: no second round trip, no JSON parse in Node, and
 * numbers are never rounded. Every leaf is written as `exists(path ? (@ op value))`, which is
 * true or false and never SQL/JSON "unknown", so `$not` and `$ne` negate exactly.
 */

export const FILTER_LIMITS = { bytes: 4096, depth: 8, conditions: 64, inValues: 100, pathSegments: 16, stringChars: 1024 } as const;

export interface FilterIssue {
  /** Where in the filter, e.g. `$and.1.data.amount.$gt`. */
  path: string;
  message: string;
}

export class FilterError extends Error {
  constructor(readonly issue: FilterIssue) {
    super(`filter${issue.path ? `.${issue.path}` : ''}: ${issue.message}`);
  }
}

const COMPARE = { $eq: '==', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;
const FIELD_OPS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists']);
const DECIMAL = /^-?(0|[1-9][0-9]{0,999})(\.[0-9]{1,1000})?([eE][+-]?[0-9]{1,4})?$/;
const SEGMENT = /^[^.]{1,128}$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface State {
  conditions: number;
}

/** Compiles a filter into a jsonpath predicate over `{ type, data }`, or throws FilterError naming the first bad place. */
export function compileFilter(filter: unknown): string {
  const text = JSON.stringify(filter);
  if (text === undefined || Buffer.byteLength(text) > FILTER_LIMITS.bytes)
    throw new FilterError({ path: '', message: `must be a JSON object of at most ${FILTER_LIMITS.bytes} bytes` });
  return compileObject(filter, '', 1, { conditions: 0 });
}

function fail(path: string, message: string): never {
  throw new FilterError({ path, message });
}

function isPlainObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

function compileObject(node: unknown, at: string, depth: number, st: State): string {
  if (depth > FILTER_LIMITS.depth) fail(at, `nests deeper than ${FILTER_LIMITS.depth} levels`);
  if (!isPlainObject(node)) fail(at, 'must be an object of paths and operators');
  const keys = Object.keys(node);
  if (keys.length === 0) fail(at, 'must hold at least one condition');
  const parts = keys.map((key) => {
    const here = join(at, key);
    const value = node[key];
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0 || value.length > FILTER_LIMITS.conditions)
        fail(here, `takes a list of 1–${FILTER_LIMITS.conditions} filters`);
      const inner = value.map((v, i) => compileObject(v, join(here, String(i)), depth + 1, st));
      return `(${inner.join(key === '$and' ? ' && ' : ' || ')})`;
    }
    if (key === '$not') return `!(${compileObject(value, here, depth + 1, st)})`;
    if (key.startsWith('$')) fail(here, 'is not an operator here: use $and, $or, $not, or a path such as data.amount');
    return compileField(key, value, here, st);
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(' && ')})`;
}

function pathExpr(key: string, at: string): string {
  const segments = key.split('.');
  if (segments.length > FILTER_LIMITS.pathSegments) fail(at, `a path has at most ${FILTER_LIMITS.pathSegments} segments`);
  if (segments[0] !== 'data' && key !== 'type') fail(at, 'a path starts with `data` (the event data) or is `type`');
  for (const s of segments) if (!SEGMENT.test(s)) fail(at, 'a path is dot-separated names of 1–128 characters, none empty');
  return `$${segments.map((s) => `.${stringLiteral(s, at)}`).join('')}`;
}

function compileField(key: string, value: unknown, at: string, st: State): string {
  const path = pathExpr(key, at);
  if (!isPlainObject(value) || isDecimal(value)) return leaf(path, '==', value, at, st);
  const ops = Object.keys(value);
  if (ops.length === 0) fail(at, 'must hold at least one operator');
  const parts = ops.map((op) => {
    const here = join(at, op);
    const v = value[op];
    if (!FIELD_OPS.has(op)) fail(here, `is not an operator: use one of ${[...FIELD_OPS].join(' ')} (or dotted paths for nested fields)`);
    if (op === '$exists') {
      if (typeof v !== 'boolean') fail(here, 'takes true or false');
      count(st, here);
      return v ? `exists(${path})` : `!exists(${path})`;
    }
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(v) || v.length === 0 || v.length > FILTER_LIMITS.inValues)
        fail(here, `takes a list of 1–${FILTER_LIMITS.inValues} values`);
      count(st, here);
      const any = `exists(${path} ? (${v.map((x, i) => `@ == ${literal(x, join(here, String(i)))}`).join(' || ')}))`;
      return op === '$in' ? any : `!${any}`;
    }
    if (op === '$ne') return `!${leaf(path, '==', v, here, st)}`;
    if (op !== '$eq' && !(typeof v === 'number' || typeof v === 'string' || isDecimal(v))) fail(here, 'takes a number or a string');
    return leaf(path, COMPARE[op as keyof typeof COMPARE], v, here, st);
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(' && ')})`;
}

function leaf(path: string, op: string, value: unknown, at: string, st: State): string {
  count(st, at);
  return `exists(${path} ? (@ ${op} ${literal(value, at)}))`;
}

function count(st: State, at: string) {
  if (++st.conditions > FILTER_LIMITS.conditions) fail(at, `a filter holds at most ${FILTER_LIMITS.conditions} conditions`);
}

function isDecimal(v: unknown): v is { $decimal: string } {
  return isPlainObject(v) && Object.keys(v).length === 1 && '$decimal' in v;
}

/** A jsonpath literal for a filter value. */
function literal(v: unknown, at: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return stringLiteral(v, at);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(at, 'must be a finite number');
    // From 2^53 to 10^21 a JSON parser may already have rounded the digits written (…993 → …992),
    // and nothing here can tell; beyond 10^21 a number is written with an exponent and kept as is.
    if (Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21)
      fail(at, 'an integer from 2^53 to 10^21 loses digits in JSON parsers: write it as {"$decimal": "<digits>"}');
    return numberText(String(v));
  }
  if (isDecimal(v)) {
    if (typeof v.$decimal !== 'string' || !DECIMAL.test(v.$decimal))
      fail(join(at, '$decimal'), 'must be a decimal number as a string, e.g. "9007199254740993" or "1e400"');
    return numberText(v.$decimal);
  }
  fail(at, 'must be a string, number, boolean or null (match nested fields with dotted paths)');
}

/** jsonpath numbers: a leading minus is an operator, so it is parenthesised; an exponent keeps its sign. */
function numberText(t: string): string {
  return t.startsWith('-') ? `(${t})` : t;
}

function stringLiteral(s: string, at: string): string {
  if (s.length > FILTER_LIMITS.stringChars) fail(at, `a string has at most ${FILTER_LIMITS.stringChars} characters`);
  if (/\p{Cs}/u.test(s) || s.includes('\u0000')) fail(at, 'a string must be well-formed Unicode without NUL');
  // JSON's escapes are jsonpath's: \" \\ \n \uXXXX.
  return JSON.stringify(s);
}
