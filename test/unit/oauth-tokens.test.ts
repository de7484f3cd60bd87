import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthTokens, type TokenKey, type TokenStore } from '../../src/core/attempt/oauth-tokens.js';
import type { ReceiverCredentials } from '../../src/security/receiver-auth.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';

type OAuth2 = Extract<ReceiverCredentials, { kind: 'oauth2_client_credentials' }>;
const k = (webhookId: string): TokenKey => ({ teamId: 'team_1', webhookId, fingerprint: 'fp' });

/** A store as two worker processes share it, in memory (the PostgreSQL one: receiver-auth.test.ts). */
function memoryStore(): TokenStore & { rows: Map<string, { token: string; renewAtMs: number }> } {
  const rows = new Map<string, { token: string; renewAtMs: number }>();
  const id = (key: TokenKey) => `${key.webhookId}|${key.fingerprint}`;
  return {
    rows,
    async read(key, nowMs) {
      const r = rows.get(id(key));
      return r && r.renewAtMs > nowMs ? r : undefined;
    },
    async write(key, token, renewAtMs) {
      rows.set(id(key), { token, renewAtMs });
    },
    async drop(key, token) {
      if (rows.get(id(key))?.token === token) rows.delete(id(key));
    },
  };
}

/** Against a real token endpoint on loopback (test/support/oauth-server.ts). */
describe('OAuth2 client-credentials token cache', () => {
  let server: OAuthServer;
  const agent = new Agent();
  const opts = { allowPrivate: true };
  let creds: OAuth2;

  beforeAll(async () => {
    server = await startOAuthServer({ id: 'herald', secret: 'cs_S3cret/+=' });
    creds = {
      kind: 'oauth2_client_credentials',
      tokenUrl: server.url,
      clientId: 'herald',
      clientSecret: 'cs_S3cret/+=',
      scope: 'hooks',
      audience: 'https://rx.example',
      clientAuthMethod: 'client_secret_basic',
    };
  });
  afterAll(async () => {
    await server.close();
    await agent.close();
  });

  it('fetches once for concurrent attempts and serves the cached token after', async () => {
    const tokens = new OAuthTokens(5_000);
    const before = server.calls.length;
    const got = await Promise.all([1, 2, 3, 4, 5].map(() => tokens.get(k('a'), creds, agent, opts)));
    expect(server.calls.length - before).toBe(1);
    const first = got[0]!;
    expect(first).toMatchObject({ ok: true, fresh: true });
    for (const g of got) expect(g).toMatchObject({ ok: true, token: (first as { token: string }).token });
    expect(await tokens.get(k('a'), creds, agent, opts)).toMatchObject({ ok: true, fresh: false });
    expect(server.calls.length - before).toBe(1);
    const call = server.calls.at(-1)!;
    expect(call).toMatchObject({ authMethod: 'basic', ok: true });
    expect(call.form.get('scope')).toBe('hooks');
    expect(call.form.get('audience')).toBe('https://rx.example');
  });

  it('lets a second worker take the token the first stored, and a 401 drop it for both', async () => {
    const store = memoryStore();
    const first = new OAuthTokens(5_000, store);
    const second = new OAuthTokens(5_000, store);
    const before = server.grants;
    const a = await first.get(k('shared'), creds, agent, opts);
    const b = await second.get(k('shared'), creds, agent, opts);
    expect(server.grants - before).toBe(1);
    expect(b).toMatchObject({ ok: true, fresh: false, token: (a as { token: string }).token });
    await second.invalidate(k('shared'), (a as { token: string }).token);
    expect(store.rows.size).toBe(0);
    expect(await second.get(k('shared'), creds, agent, opts)).toMatchObject({ ok: true, fresh: true });
    expect(server.grants - before).toBe(2);
  });

  it('fetches when the store fails, as on a miss', async () => {
    const broken: TokenStore = {
      read: async () => {
        throw new Error('store down');
      },
      write: async () => {
        throw new Error('store down');
      },
      drop: async () => {
        throw new Error('store down');
      },
    };
    const tokens = new OAuthTokens(5_000, broken);
    expect(await tokens.get(k('broken'), creds, agent, opts)).toMatchObject({ ok: true, fresh: true });
    expect(await tokens.get(k('broken'), creds, agent, opts)).toMatchObject({ ok: true, fresh: false });
    await tokens.invalidate(k('broken'), 'x');
  });

  it('sends the client in the form with client_secret_post', async () => {
    const tokens = new OAuthTokens(5_000);
    const r = await tokens.get(k('post'), { ...creds, clientAuthMethod: 'client_secret_post' }, agent, opts);
    expect(r.ok).toBe(true);
    expect(server.calls.at(-1)).toMatchObject({ authMethod: 'post', ok: true });
  });

  it('renews a token before it expires', async () => {
    const tokens = new OAuthTokens(5_000);
    server.setExpiresIn(120);
    try {
      const a = await tokens.get(k('exp'), creds, agent, opts);
      // 120 s lifetime: renewed 60 s before expiry, so 61 s on it is fetched anew.
      const same = await tokens.get(k('exp'), creds, agent, { ...opts, nowMs: Date.now() + 59_000 });
      const renewed = await tokens.get(k('exp'), creds, agent, { ...opts, nowMs: Date.now() + 61_000 });
      expect(same).toMatchObject({ ok: true, fresh: false, token: (a as { token: string }).token });
      expect(renewed).toMatchObject({ ok: true, fresh: true });
      expect((renewed as { token: string }).token).not.toBe((a as { token: string }).token);
    } finally {
      server.setExpiresIn(3600);
    }
  });

  it('drops an invalidated token so the next get fetches, but keeps a newer one', async () => {
    const tokens = new OAuthTokens(5_000);
    const a = (await tokens.get(k('inv'), creds, agent, opts)) as { token: string };
    await tokens.invalidate(k('inv'), 'some-older-token');
    expect(await tokens.get(k('inv'), creds, agent, opts)).toMatchObject({ fresh: false, token: a.token });
    await tokens.invalidate(k('inv'), a.token);
    const b = await tokens.get(k('inv'), creds, agent, opts);
    expect(b).toMatchObject({ ok: true, fresh: true });
  });

  it('reports a refused client as an auth error with the status and a cut body, never the secret', async () => {
    const tokens = new OAuthTokens(5_000);
    const r = await tokens.get(k('bad'), { ...creds, clientSecret: 'wrong_secret_value' }, agent, opts);
    expect(r.ok).toBe(false);
    const { error } = r as Extract<typeof r, { ok: false }>;
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/^token endpoint answered 401: \{"error":"invalid_client"/);
    expect(error.message.includes('wrong_secret_value')).toBe(false);
    expect(tokens.size).toBe(0);
  });

  it('bounds a token endpoint that never answers by its timeout', async () => {
    const tokens = new OAuthTokens(300);
    server.setHang(true);
    try {
      const t0 = Date.now();
      const r = await tokens.get(k('hang'), creds, agent, opts);
      expect(r).toMatchObject({ ok: false, error: { kind: 'auth' } });
      expect((r as { error: { message: string } }).error.message).toMatch(/^token endpoint: .*(timeout|Timeout|aborted)/i);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      server.setHang(false);
    }
  });

  it('refuses a private token URL without the development flag, before any request', async () => {
    const tokens = new OAuthTokens(5_000);
    const before = server.calls.length;
    const r = await tokens.get(k('priv'), { ...creds, tokenUrl: 'https://127.0.0.1/oauth/token' }, agent, { allowPrivate: false });
    expect(r).toMatchObject({ ok: false, error: { kind: 'auth' } });
    expect((r as { error: { message: string } }).error.message).toMatch(/non-public address/);
    expect(server.calls.length).toBe(before);
  });
});
