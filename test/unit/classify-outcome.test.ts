import { describe, expect, it } from 'vitest';
import { classifyOutcome } from '../../src/delivery/classify-outcome.js';
import { parseRetryAfter } from '../../src/delivery/parse-retry-after.js';
import type { AttemptError, SendResult } from '../../src/delivery/types.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const result = (statusCode?: number, headers: Record<string, string> = {}, error?: AttemptError): SendResult => ({
  startedAt: new Date(NOW).toISOString(),
  durationMs: 5,
  statusCode,
  responseHeaders: headers,
  responseBody: '',
  responseBodyTruncated: false,
  error,
});

describe('classifyOutcome', () => {
  it.each([
    [200, { kind: 'success' }],
    [204, { kind: 'success' }],
    [299, { kind: 'success' }],
    [300, { kind: 'retryable' }],
    [301, { kind: 'retryable' }],
    [400, { kind: 'retryable' }],
    [404, { kind: 'retryable' }],
    [410, { kind: 'gone' }],
    [429, { kind: 'retryable' }],
    [500, { kind: 'retryable' }],
    [503, { kind: 'retryable' }],
  ])('status %i is %j', (status, expected) => {
    expect(classifyOutcome(result(status), NOW)).toEqual(expected);
  });

  it.each([
    [429, '120', 120_000],
    [503, '0', 0],
    [503, new Date(NOW + 30_000).toUTCString(), 30_000],
  ])('%i with Retry-After %s waits %i ms', (status, header, ms) => {
    expect(classifyOutcome(result(status, { 'retry-after': header }), NOW)).toEqual({ kind: 'retryable', retryAfterMs: ms });
  });

  it('ignores Retry-After on other statuses', () => {
    expect(classifyOutcome(result(500, { 'retry-after': '60' }), NOW)).toEqual({ kind: 'retryable' });
  });

  it.each(['dns', 'connect', 'tls', 'timeout', 'reset', 'other'] as const)('no response (%s) is retryable', (kind) => {
    expect(classifyOutcome(result(undefined, {}, { kind, message: 'x' }), NOW)).toEqual({ kind: 'retryable' });
  });

  it('a blocked target is never retried', () => {
    expect(classifyOutcome(result(undefined, {}, { kind: 'blocked', message: 'private' }), NOW)).toEqual({ kind: 'blocked' });
  });

  it('a request that could not be built from the stored data (a data error) is never retried', () => {
    expect(classifyOutcome(result(undefined, {}, { kind: 'invalid', message: 'invalid webhook secret' }), NOW)).toEqual({
      kind: 'invalid',
      message: 'invalid webhook secret',
    });
  });

  it('a 2xx whose body read failed still counts as delivered', () => {
    expect(classifyOutcome(result(200, {}, { kind: 'reset', message: 'closed' }), NOW)).toEqual({ kind: 'success' });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['30', 30_000],
    [' 5 ', 5_000],
    [new Date(NOW + 90_000).toUTCString(), 90_000],
    [new Date(NOW - 90_000).toUTCString(), 0],
    ['soon', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %s ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});
