/**
 * Subscription patterns: an exact event type name, `*` for all, or `prefix.*` for a family
 * (`video.*` matches `video.media.ready`). Pure; used by the API and the dispatcher alike.
 */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const EVENT_TYPE_PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,125}\.\*)$/;

export function isWildcard(p: string): boolean {
  return p === '*' || p.endsWith('.*');
}

export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** Every subscription entry that would match `type`; lets SQL match with one array overlap. */
export function candidatePatterns(type: string): string[] {
  const out = ['*', type];
  const parts = type.split('.');
  for (let i = 1; i < parts.length; i++) out.push(`${parts.slice(0, i).join('.')}.*`);
  return out;
}
