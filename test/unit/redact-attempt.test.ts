import { describe, expect, it } from 'vitest';
import { redactAddress, redactAttempt } from '../../src/delivery/redact-attempt.js';

describe('redactAttempt', () => {
  it('keeps scheme, host and port of an address and drops userinfo, path, query and fragment', () => {
    expect(redactAddress('https://u:p@h.example:8443/hooks/T0/abc123?token=x#f')).toBe('https://h.example:8443/***');
    expect(redactAddress('http://127.0.0.1:3000/dev/echo/first')).toBe('http://127.0.0.1:3000/***');
    expect(redactAddress('https://a@b@h.example')).toBe('https://h.example/***');
    expect(redactAddress('not a url')).toBe('***');
  });

  it('empties response headers and body and keeps only the kind of an error', () => {
    const r = redactAttempt({
      id: 'att_1',
      attempt: 1,
      webhookId: 'wh_1',
      address: 'https://h.example/x?token=secret',
      createdAt: '2026-12-01T00:00:00.000Z',
      durationMs: 12,
      responseStatusCode: 500,
      responseHeaders: { server: 'private' },
      responseBody: 'secret body',
      error: { kind: 'other', message: 'https://h.example/x?token=secret failed' },
      maxAttempts: 3,
      nextAttemptAt: null,
    });
    expect(r).toMatchObject({
      address: 'https://h.example/***',
      responseHeaders: {},
      responseBody: '',
      responseStatusCode: 500,
      durationMs: 12,
    });
    expect(r.error).toEqual({ kind: 'other', message: 'redacted: webhook deleted' });
  });
});
