import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createApiDeps } from '../../src/app/create-api-deps.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/log.js';
import { systemResolver } from '../../src/security/url-safety.js';

const inputs = (env: Record<string, string> = {}) => ({
  db: {} as Kysely<Database>, // never queried here
  temporal: {} as Client,
  config: loadConfig(env),
  resolve: systemResolver,
  log: createLogger('error', 'test'),
});

describe('createApiDeps', () => {
  it('sizes the per-key rate limiter from HERALD_API_RATE_LIMIT_PER_MINUTE', () => {
    const deps = createApiDeps(inputs({ HERALD_API_RATE_LIMIT_PER_MINUTE: '2' }));
    expect([1, 2, 3].map(() => deps.rateLimiter.check('key_a').allowed)).toEqual([true, true, false]);
  });

  it('gives each API its own limiters, caches and lanes: one API spending a budget leaves another its own', () => {
    const a = createApiDeps(inputs({ HERALD_API_RATE_LIMIT_PER_MINUTE: '1' }));
    const b = createApiDeps(inputs({ HERALD_API_RATE_LIMIT_PER_MINUTE: '1' }));
    expect(a.rateLimiter.check('key_a').allowed).toBe(true);
    expect(a.rateLimiter.check('key_a').allowed).toBe(false);
    expect(b.rateLimiter.check('key_a').allowed).toBe(true);
    a.caches.keys.set('hash', { id: 'key_a', teamId: 'team_a', revoked: false, scope: 'admin', lastUsedAtMs: 0 });
    expect(b.caches.keys.get('hash')).toBeUndefined();
    expect(a.failedAuth).not.toBe(b.failedAuth);
    expect(a.publishLanes).not.toBe(b.publishLanes);
    expect(a.dispatched).not.toBe(b.dispatched);
  });
});
