/**
 * Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. Returns the delay in ms,
 * 0 for a date in the past, undefined for anything unparseable. Pure.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number.parseInt(v, 10) * 1000;
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
