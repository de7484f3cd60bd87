/**
 * The one rule for text the API accepts (issue 15), applied to every string it stores or sends to
 * PostgreSQL:
 * - `storable` (every string and object key, anywhere in any input): no NUL, which PostgreSQL
 *   cannot store, and no lone UTF-16 surrogate, which UTF-8 cannot encode (node-postgres would
 *   silently store U+FFFD instead, and `jsonb` refuses it);
 * - `name` (names, ids, URLs, filters): also no control characters at all (C0, DEL and C1; an
 *   ANSI escape starts with ESC, U+001B);
 * - `free` (descriptions, reasons): also no control characters other than tab and newline.
 * A violation names the rule, the code point and its index (in UTF-16 code units).
 */
export type TextKind = 'storable' | 'name' | 'free';

/** Fast path: strings without any of these pass every rule they could break. */
const SUSPECT = {
  storable: /[\u0000\ud800-\udfff]/,
  name: /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/,
  free: /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800-\udfff]/,
};

const hex = (unit: number) => unit.toString(16).toUpperCase().padStart(4, '0');

/** The rule `s` breaks, or null. */
export function textViolation(s: string, kind: TextKind): string | null {
  if (!SUSPECT[kind].test(s)) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return `must not contain NUL (U+0000 at ${i})`;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `must not contain a lone UTF-16 surrogate (U+${hex(c)} at ${i})`;
    }
    if (kind === 'storable' || !(c < 0x20 || (c >= 0x7f && c <= 0x9f))) continue;
    if (kind === 'name') return `must not contain control characters (U+${hex(c)} at ${i})`;
    if (c !== 0x09 && c !== 0x0a) return `must not contain control characters other than tab and newline (U+${hex(c)} at ${i})`;
  }
  return null;
}
