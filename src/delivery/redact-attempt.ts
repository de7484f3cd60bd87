import type { AttemptRecord } from './types.js';

const ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:[^/?#]*@)?([^/?#@]*)/;

/**
 * What is kept of a deleted webhook's URL: scheme and host (with port), the rest `***`.
 * `https://u:p@h.example:8443/hooks/abc?token=x` → `https://h.example:8443/***`. The same rule
 * as REDACTED_ADDRESS_SQL (repositories/webhook-purges-repo.ts), which applies it at rest.
 */
export function redactAddress(url: string): string {
  const m = ORIGIN.exec(url);
  return m ? `${m[1]}${m[2]}/***` : '***';
}

export const REDACTED_ERROR_MESSAGE = 'redacted: webhook deleted';

/**
 * An attempt record of a deleted webhook as it may still be shown: address cut to its origin,
 * no response headers or body, the error's kind without its message. Kept: ids, times,
 * duration, status code, attempt numbers.
 */
export function redactAttempt(r: AttemptRecord): AttemptRecord {
  return {
    ...r,
    address: redactAddress(r.address),
    responseHeaders: {},
    responseBody: '',
    error: r.error ? { kind: r.error.kind, message: REDACTED_ERROR_MESSAGE } : null,
  };
}
