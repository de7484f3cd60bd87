/**
 * A strict JSON (RFC 8259) scanner that never recurses: nesting is tracked on an explicit stack
 * capped at `maxDepth`, so no input, however deep, can overflow the call stack. It validates the
 * text and, in the same pass, can apply a rule to every string and member name, refuse duplicate
 * member names, and report where the value at a member path starts and ends in the text (so that
 * value's exact text can be kept without re-serialising it).
 */

export type PathSegment = string | number;

export interface ScanOptions {
  /** Most levels of objects and arrays, the outermost counting as 1. */
  maxDepth: number;
  /** A rule for every decoded string and member name: a violation message, or null. */
  checkString?: (s: string) => string | null;
  /** Refuse an object that names the same member twice (compared after decoding escapes). */
  rejectDuplicateKeys?: boolean;
  /**
   * Member names leading from the root to a value whose text span is wanted. If a name occurs
   * twice, the last one wins, as with JSON.parse.
   */
  capture?: readonly string[];
}

export type ScanFailure =
  /** Not JSON; `at` is the offset where the grammar broke. */
  | { ok: false; kind: 'syntax'; path: PathSegment[]; at: number }
  /** The container at `path` would be one level deeper than `maxDepth`. */
  | { ok: false; kind: 'depth'; path: PathSegment[] }
  /** A string broke `checkString`; for a member name, `key` is set and `path` is its object's. */
  | { ok: false; kind: 'string'; path: PathSegment[]; rule: string; key?: string }
  /** The object at `path` names `key` twice. */
  | { ok: false; kind: 'duplicate'; path: PathSegment[]; key: string };

export type ScanResult = { ok: true; captured: { start: number; end: number } | null } | ScanFailure;

interface Frame {
  array: boolean;
  /** Current member name (objects) or element index (arrays). */
  key: string;
  index: number;
  keys: Set<string> | null;
  start: number;
  captured: boolean;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** A run of string characters that need no attention: no quote, no backslash, no control. */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

export function scanJson(text: string, opts: ScanOptions): ScanResult {
  const n = text.length;
  const stack: Frame[] = [];
  const capture = opts.capture;
  let captured: { start: number; end: number } | null = null;
  let i = skipWhitespace(text, 0);

  const path = (): PathSegment[] => stack.map((f) => (f.array ? f.index : f.key));
  const syntax = (at: number): ScanFailure => ({ ok: false, kind: 'syntax', path: path(), at });
  /** True when the value about to start sits at the capture path. */
  const atCapture = () =>
    capture !== undefined && stack.length === capture.length && stack.every((f, k) => !f.array && f.key === capture[k]);

  /** Scans the string token at `from`: its end (after the closing quote) and whether it has escapes, or null. */
  const stringEnd = (from: number): { end: number; escaped: boolean } | null => {
    let j = from + 1;
    let escaped = false;
    for (;;) {
      PLAIN_RUN.lastIndex = j;
      PLAIN_RUN.test(text);
      j = PLAIN_RUN.lastIndex;
      if (j >= n) return null;
      const c = text.charCodeAt(j);
      if (c === 0x22) return { end: j + 1, escaped };
      if (c !== 0x5c) return null; // an unescaped control character
      escaped = true;
      const e = text.charCodeAt(j + 1);
      if (e === 0x75) {
        HEX4.lastIndex = j + 2;
        if (!HEX4.test(text)) return null;
        j += 6;
      } else if (SIMPLE_ESCAPES.has(e)) j += 2;
      else return null;
    }
  };
  /** The string's value; escapes are decoded by the engine on the already validated token. */
  const decode = (from: number, tok: { end: number; escaped: boolean }): string =>
    tok.escaped ? (JSON.parse(text.slice(from, tok.end)) as string) : text.slice(from + 1, tok.end - 1);

  /** Reads `"name" :` at `i` into the top frame; returns a failure or null. */
  const readMemberName = (): ScanFailure | null => {
    const top = stack[stack.length - 1]!;
    if (text.charCodeAt(i) !== 0x22) return syntax(i);
    const tok = stringEnd(i);
    if (!tok) return syntax(i);
    const key = decode(i, tok);
    const rule = opts.checkString?.(key);
    // The path of the object that holds the name (its frame's own key is the previous member's).
    if (rule) return { ok: false, kind: 'string', path: path().slice(0, -1), rule, key };
    if (top.keys) {
      if (top.keys.has(key)) return { ok: false, kind: 'duplicate', path: path().slice(0, -1), key };
      top.keys.add(key);
    }
    top.key = key;
    i = skipWhitespace(text, tok.end);
    if (text.charCodeAt(i) !== 0x3a) return syntax(i);
    i = skipWhitespace(text, i + 1);
    return null;
  };

  for (;;) {
    // A value starts at `i`.
    const start = i;
    const c = text.charCodeAt(i);
    let closedEmpty = false;
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= opts.maxDepth) return { ok: false, kind: 'depth', path: path() };
      const array = c === 0x5b;
      const frame: Frame = {
        array,
        key: '',
        index: 0,
        keys: !array && opts.rejectDuplicateKeys ? new Set() : null,
        start,
        captured: atCapture(),
      };
      stack.push(frame);
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === (array ? 0x5d : 0x7d)) closedEmpty = true;
      else {
        if (!array) {
          const failure = readMemberName();
          if (failure) return failure;
        }
        continue;
      }
    } else {
      if (c === 0x22) {
        const tok = stringEnd(i);
        if (!tok) return syntax(i);
        if (opts.checkString) {
          const rule = opts.checkString(decode(i, tok));
          if (rule) return { ok: false, kind: 'string', path: path(), rule };
        }
        i = tok.end;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return syntax(i);
        i = NUMBER.lastIndex;
      } else if (text.startsWith('true', i)) i += 4;
      else if (text.startsWith('false', i)) i += 5;
      else if (text.startsWith('null', i)) i += 4;
      else return syntax(i);
      if (atCapture()) captured = { start, end: i };
    }

    // After a value (or an empty container's opening bracket): commas and closing brackets.
    for (;;) {
      if (closedEmpty) closedEmpty = false;
      else {
        if (stack.length === 0) {
          i = skipWhitespace(text, i);
          return i === n ? { ok: true, captured } : syntax(i);
        }
        i = skipWhitespace(text, i);
      }
      const top = stack[stack.length - 1]!;
      const ch = text.charCodeAt(i);
      if (ch === (top.array ? 0x5d : 0x7d)) {
        i++;
        stack.pop();
        if (top.captured) captured = { start: top.start, end: i };
        continue;
      }
      if (ch !== 0x2c) return syntax(i);
      i = skipWhitespace(text, i + 1);
      if (top.array) top.index++;
      else {
        const failure = readMemberName();
        if (failure) return failure;
      }
      break;
    }
  }
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}
