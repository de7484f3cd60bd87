/**
 * Subscription patterns: an exact event type name, `*` for all, or `prefix.*` for a family
 * (`video.*` matches `video.media.ready`). The syntax lives here; the matching rule in delivery/subscribers.ts.
 */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const EVENT_TYPE_PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,125}\.\*)$/;

export function isWildcard(p: string): boolean {
  return p === '*' || p.endsWith('.*');
}

// The matching rule itself lives in delivery/subscribers.ts (one rule for every corridor).
export { candidatePatterns, patternMatches } from './subscribers.js';
