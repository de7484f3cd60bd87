import { describe, expect, it } from 'vitest';
import { isSensitiveHeader, maskHeaders } from '../../src/api/sensitive-headers.js';

describe('sensitive header names', () => {
  it.each([
    'Authorization',
    'proxy-authorization',
    'X-Auth-Token',
    'WWW-Authenticate',
    'Proxy-Authenticate',
    'Cookie',
    'X-API-Key',
    'X-Shopify-Access-Token',
    'X-Client-Secret',
    'X-Password',
    'X-Hub-Signature',
    'X-Session-Id',
    'X-Credentials',
  ])('%s is sensitive', (name) => {
    expect(isSensitiveHeader(name)).toBe(true);
  });

  it.each(['X-Tenant', 'Accept-Language', 'X-Request-Source', 'User-Agent'])('%s is not', (name) => {
    expect(isSensitiveHeader(name)).toBe(false);
  });

  it('masks values and keeps names', () => {
    expect(maskHeaders({ Authorization: 'Bearer x', 'X-Tenant': 'acme' })).toEqual({ Authorization: '***', 'X-Tenant': 'acme' });
  });
});
