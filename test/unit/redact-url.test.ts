import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/security/redact-url.js';

describe('redactUrl', () => {
  it('keeps an ordinary URL as it is', () => {
    expect(redactUrl('https://hooks.example.com/v1/webhooks/orders')).toBe('https://hooks.example.com/v1/webhooks/orders');
    expect(redactUrl('https://api.example.com:443/')).toBe('https://api.example.com:443/');
  });

  it('replaces the query string and the fragment', () => {
    expect(redactUrl('https://x.example/hook?token=s3cr3t&a=1')).toBe('https://x.example/hook?***');
    expect(redactUrl('https://x.example/hook?#frag')).toBe('https://x.example/hook?***#***');
    expect(redactUrl('https://x.example?token=abc')).toBe('https://x.example?***');
  });

  it('replaces userinfo, keeping the host', () => {
    expect(redactUrl('https://user:p%40ss@x.example/hook')).toBe('https://***@x.example/hook');
    expect(redactUrl('https://a@b@x.example/')).toBe('https://***@x.example/');
  });

  it('replaces path segments that look like tokens', () => {
    expect(redactUrl('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXX1')).toBe(
      'https://hooks.slack.com/services/T00000000/B00000000/***',
    );
    expect(redactUrl('https://discord.com/api/webhooks/123456789012345678/aB3_dEf-GhIjKlMnOpQrStUvWxYz0123456789')).toBe(
      'https://discord.com/api/webhooks/123456789012345678/***',
    );
    // A JWT-like segment: runs separated by dots.
    expect(redactUrl('https://x.example/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig/end')).toBe('https://x.example/t/***/end');
  });

  it('keeps long segments that are all letters or all digits', () => {
    expect(redactUrl('https://x.example/notifications-for-customers/123456789012345678901234')).toBe(
      'https://x.example/notifications-for-customers/123456789012345678901234',
    );
  });

  it('keeps a 19-character token-like segment (the threshold is 20)', () => {
    expect(redactUrl('https://x.example/abc123abc123abc123a')).toBe('https://x.example/abc123abc123abc123a');
    expect(redactUrl('https://x.example/abc123abc123abc123ab')).toBe('https://x.example/***');
  });
});
