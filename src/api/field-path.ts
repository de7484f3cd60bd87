/**
 * A field's path for error messages: `data.items.0.name`, as zod issues read. A segment that is
 * not a plain word is quoted (`headers["a b"]`), so hostile keys (newlines, ANSI escapes) cannot
 * forge a message; very deep paths are cut after 8 segments with `…`.
 */
const PLAIN = /^[A-Za-z0-9_$-]{1,64}$/;
const MAX_SEGMENTS = 8;

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'input';
  const shown = path.slice(0, MAX_SEGMENTS).map((seg, i) => {
    if (typeof seg === 'number' || (typeof seg === 'string' && PLAIN.test(seg))) return i ? `.${String(seg)}` : String(seg);
    return `[${quote(String(seg))}]`;
  });
  return shown.join('') + (path.length > MAX_SEGMENTS ? '…' : '');
}

/** A key or value quoted for a message: JSON-escaped, at most 40 characters. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
