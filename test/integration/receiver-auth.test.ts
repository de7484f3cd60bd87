import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { OAuthTokens } from '../../src/core/attempt/oauth-tokens.js';
import { pgTokenStore } from '../../src/repositories/oauth-token-store.js';
import { captureOutput } from '../support/capture-output.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { type OAuthServer, startOAuthServer } from '../support/oauth-server.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';
import { makeTestPki, type TestPki } from '../support/test-pki.js';
import { searchableHistory } from '../support/searchable-history.js';

const once = { kind: 'attempts', maxAttempts: 1, intervalSeconds: 1, backoff: 'fixed' } as const;
const twice = { kind: 'attempts', maxAttempts: 2, intervalSeconds: 1, backoff: 'fixed' } as const;

/**
 * Receiver auth end to end: real Temporal and PostgreSQL, a real token endpoint and receivers on
 * loopback, certificates made by openssl in the test. Credentials sealed with a key.
 */
describe('receiver authentication', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  let oauth: OAuthServer;
  let hangingOauth: OAuthServer;
  let rx: Receiver;
  let pki: TestPki;
  let mtlsRx: https.Server;
  let otherRx: https.Server;
  const mtlsArrivals: { path: string; clientCn: string | undefined }[] = [];
  const secrets = {
    password: `pw_${randomBytes(9).toString('hex')}`,
    token: `bt_${randomBytes(9).toString('hex')}`,
    clientSecret: `cs_${randomBytes(9).toString('hex')}`,
  };
  const output = captureOutput();

  beforeAll(async () => {
    output.start();
    pki = makeTestPki();
    oauth = await startOAuthServer({ id: 'herald', secret: secrets.clientSecret });
    hangingOauth = await startOAuthServer({ id: 'herald', secret: secrets.clientSecret });
    hangingOauth.setHang(true);
    // Accepts Basic herald:<password> on /basic, Bearer <token> on /bearer, live tokens of `oauth` on /oauth*.
    rx = await startReceiver((a) => {
      const auth = a.headers.authorization;
      const ok = a.path.startsWith('/hook/basic')
        ? auth === `Basic ${Buffer.from(`herald:${secrets.password}`).toString('base64')}`
        : a.path.startsWith('/hook/bearer')
          ? auth === `Bearer ${secrets.token}`
          : oauth.accepts(auth);
      return ok ? { status: 200, body: 'ok' } : { status: 401, body: 'who are you' };
    });
    const tlsHandler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      mtlsArrivals.push({ path: req.url ?? '', clientCn: peer?.subject?.CN?.toString() });
      req.resume();
      req.on('end', () => res.end('ok'));
    };
    mtlsRx = https.createServer(
      { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
      tlsHandler,
    );
    otherRx = https.createServer({ cert: pki.otherServer.cert, key: pki.otherServer.key }, tlsHandler);
    await Promise.all([mtlsRx, otherRx].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    h = await createHarness({
      env: {
        HERALD_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
        HERALD_OAUTH_TOKEN_TIMEOUT_MS: '1500',
        HERALD_LOG_LEVEL: 'debug',
      },
    });
    t = await teamWithType(h, undefined, { maxActiveWebhooks: 50 });
  });
  afterAll(async () => {
    output.stop();
    await h?.close();
    await Promise.all([oauth?.close(), hangingOauth?.close(), rx?.close()]);
    for (const s of [mtlsRx, otherRx]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
  });

  const port = (s: https.Server) => (s.address() as AddressInfo).port;
  const oauthCreds = (over: Record<string, unknown> = {}) => ({
    kind: 'oauth2_client_credentials' as const,
    tokenUrl: oauth.url,
    clientId: 'herald',
    clientSecret: secrets.clientSecret,
    scope: 'webhooks',
    ...over,
  });
  /** Each webhook subscribes to an event type of its own, so a publish reaches that webhook only. */
  const typeOf = new Map<string, string>();
  async function hook(name: string, url: string, auth: unknown, retryPolicy: typeof once | typeof twice = once) {
    const type = `auth.${name}`;
    await t.api.eventTypes.create.mutate({ name: type, description: '' });
    const w = await t.api.webhooks.create.mutate({ name, url, eventTypes: [type], retryPolicy, auth: auth as never });
    typeOf.set(w.id, type);
    return w;
  }
  const publish = (webhookId: string) =>
    t.api.events.publish.mutate({ type: typeOf.get(webhookId)!, data: { n: randomBytes(4).toString('hex') } });
  async function publishTo(webhookId: string, statuses = ['succeeded']) {
    const e = await publish(webhookId);
    return { eventId: e.id, delivery: await waitForDelivery(t.api, deliveryIdOf(e.id, webhookId), statuses, 30_000) };
  }

  it('sends Basic and Bearer credentials that the receivers check, and names the kind in the attempt record', async () => {
    const basic = await hook('basic', `${rx.url}/basic`, { kind: 'basic', username: 'herald', password: secrets.password });
    const bearer = await hook('bearer', `${rx.url}/bearer`, { kind: 'bearer', token: secrets.token });
    const b = await publishTo(basic.id);
    const c = await publishTo(bearer.id);
    expect(b.delivery.attemptRecords).toMatchObject([{ responseStatusCode: 200, auth: 'basic', error: null }]);
    expect(c.delivery.attemptRecords).toMatchObject([{ responseStatusCode: 200, auth: 'bearer', error: null }]);
    expect(basic.auth).toEqual({ kind: 'basic', username: 'herald', fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(bearer.auth).toEqual({ kind: 'bearer', fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) });
  });

  it('applies changed credentials from the next attempt', async () => {
    const w = await hook('bearer-change', `${rx.url}/bearer`, { kind: 'bearer', token: 'not-the-one' });
    const refused = await publishTo(w.id, ['failed']);
    expect(refused.delivery.attemptRecords).toMatchObject([{ responseStatusCode: 401, auth: 'bearer' }]);
    const updated = await t.api.webhooks.update.mutate({ id: w.id, auth: { kind: 'bearer', token: secrets.token } });
    expect(updated.auth!.fingerprint).not.toBe(w.auth!.fingerprint);
    expect((await publishTo(w.id)).delivery.attemptRecords).toMatchObject([{ responseStatusCode: 200 }]);
  });

  it('fetches one OAuth2 token for many deliveries, with the client credentials and grant the token server checks', async () => {
    const w = await hook('oauth', `${rx.url}/oauth`, oauthCreds());
    const before = oauth.grants;
    const events = await Promise.all([1, 2, 3, 4, 5].map(() => publish(w.id)));
    for (const e of events) {
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded'], 30_000);
      expect(d.attemptRecords).toMatchObject([{ responseStatusCode: 200, auth: 'oauth2_client_credentials' }]);
    }
    expect(oauth.grants - before).toBe(1);
    expect(oauth.calls.at(-1)).toMatchObject({ authMethod: 'basic', ok: true });
    // Shared with every worker process through PostgreSQL, sealed: a second worker's cache takes it.
    const row = await h.db.selectFrom('oauth_tokens').selectAll().where('webhook_id', '=', w.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ fingerprint: w.auth!.fingerprint, sealed: expect.stringMatching(/^enc:v1:k1:/) });
    const used = rx.arrivals.filter((a) => a.path === '/hook/oauth').at(-1)!.headers.authorization!;
    expect(row.sealed.includes(used.replace('Bearer ', ''))).toBe(false);
    const secondWorker = new OAuthTokens(1_000, pgTokenStore(h.db, h.config.encryptionKeys));
    const key = { teamId: t.teamId, webhookId: w.id, fingerprint: w.auth!.fingerprint };
    const creds = { ...oauthCreds(), audience: null, clientAuthMethod: 'client_secret_basic' as const };
    expect(await secondWorker.get(key, creds, new Agent(), { allowPrivate: true })).toEqual({
      ok: true,
      token: used.replace('Bearer ', ''),
      fresh: false,
    });
    expect(oauth.grants - before).toBe(1);
    expect(oauth.calls.at(-1)!.form.get('scope')).toBe('webhooks');
  });

  it('refreshes the token once when the receiver answers 401 to it, within the same attempt', async () => {
    const w = await hook('oauth-revoked', `${rx.url}/oauth-revoked`, oauthCreds({ clientAuthMethod: 'client_secret_post' }));
    await publishTo(w.id);
    const used = rx.arrivals.filter((a) => a.path === '/hook/oauth-revoked').at(-1)!.headers.authorization;
    oauth.revoke(used);
    const before = oauth.grants;
    const { delivery } = await publishTo(w.id);
    expect(delivery.attemptRecords).toMatchObject([{ attempt: 1, responseStatusCode: 200 }]);
    expect(oauth.grants - before).toBe(1);
    const sent = rx.arrivals.filter((a) => a.path === '/hook/oauth-revoked').slice(-2);
    expect(sent.map((a) => a.headers.authorization === used)).toEqual([true, false]);
  });

  it('fetches a new token once the cached one is near expiry', async () => {
    oauth.setExpiresIn(2);
    try {
      const w = await hook('oauth-expiry', `${rx.url}/oauth-expiry`, oauthCreds());
      const first = await publishTo(w.id);
      const fetchedAt = Date.now();
      expect(first.delivery.status).toBe('succeeded');
      // A 2 s token is renewed at half its life: wait for that moment (a clock event, not a guess).
      await waitFor(() => Date.now() > fetchedAt + 1_100, 5_000, 'the token to pass half its life');
      const before = oauth.grants;
      await publishTo(w.id);
      expect(oauth.grants - before).toBe(1);
    } finally {
      oauth.setExpiresIn(3600);
    }
  });

  it('records a refused token request as an auth error, sends nothing, and retries by the policy', async () => {
    const w = await hook('oauth-wrong', `${rx.url}/oauth-wrong`, oauthCreds({ clientSecret: 'cs_wrong_wrong_wrong' }), twice);
    const { delivery } = await publishTo(w.id, ['failed']);
    expect(delivery.attemptRecords).toHaveLength(2);
    for (const a of delivery.attemptRecords) {
      expect(a).toMatchObject({ responseStatusCode: null, auth: 'oauth2_client_credentials', error: { kind: 'auth' } });
      expect(a.error!.message).toMatch(/^token endpoint answered 401: \{"error":"invalid_client"/);
      expect(a.error!.message.includes('cs_wrong_wrong_wrong')).toBe(false);
    }
    expect(rx.arrivals.some((a) => a.path === '/hook/oauth-wrong')).toBe(false);
  });

  it('bounds a token endpoint that never answers by HERALD_OAUTH_TOKEN_TIMEOUT_MS', async () => {
    const w = await hook('oauth-hang', `${rx.url}/oauth-hang`, oauthCreds({ tokenUrl: hangingOauth.url }));
    const { delivery } = await publishTo(w.id, ['failed']);
    expect(delivery.attemptRecords).toMatchObject([{ responseStatusCode: null, error: { kind: 'auth' } }]);
    expect(delivery.attemptRecords[0]!.error!.message).toMatch(/^token endpoint: /);
    expect(delivery.attemptRecords[0]!.durationMs).toBeGreaterThanOrEqual(1_400);
    expect(delivery.attemptRecords[0]!.durationMs).toBeLessThan(15_000);
  });

  it('presents the client certificate to a receiver that requires it, and the receiver refuses a webhook without it', async () => {
    const url = `https://localhost:${port(mtlsRx)}/hook/mtls`;
    const w = await hook('mtls', url, { kind: 'mtls', cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert });
    expect(w.auth).toMatchObject({
      kind: 'mtls',
      customCa: true,
      certificate: { subject: 'CN=herald-client', notAfter: expect.any(String) },
    });
    const { delivery } = await publishTo(w.id);
    expect(delivery.attemptRecords).toMatchObject([{ responseStatusCode: 200, auth: 'mtls' }]);
    expect(mtlsArrivals.at(-1)).toEqual({ path: '/hook/mtls', clientCn: 'herald-client' });

    const count = mtlsArrivals.length;
    const bare = await hook('mtls-none', `https://localhost:${port(mtlsRx)}/hook/none`, null);
    const refused = await publishTo(bare.id, ['failed']);
    expect(refused.delivery.attemptRecords[0]!.responseStatusCode).toBeNull();
    expect(['tls', 'reset']).toContain(refused.delivery.attemptRecords[0]!.error!.kind);
    expect(mtlsArrivals.length).toBe(count);
  });

  it('refuses a receiver whose certificate does not chain to the webhook’s CA, as a tls error', async () => {
    const w = await hook('mtls-other', `https://localhost:${port(otherRx)}/hook/other`, {
      kind: 'mtls',
      cert: pki.client.cert,
      key: pki.client.key,
      ca: pki.ca.cert,
    });
    const { delivery } = await publishTo(w.id, ['failed']);
    expect(delivery.attemptRecords).toMatchObject([{ responseStatusCode: null, auth: 'mtls', error: { kind: 'tls' } }]);
    expect(mtlsArrivals.some((a) => a.path === '/hook/other')).toBe(false);
  });

  it('refuses bad credentials with 400s that name the field', async () => {
    const bad = async (auth: unknown, extra: Record<string, unknown> = {}) => {
      const err = await t.api.webhooks.create
        .mutate({ name: 'bad', url: `${rx.url}/bad`, eventTypes: [t.type], auth: auth as never, ...extra })
        .then(
          () => null,
          (e: { data?: { httpStatus?: number }; message: string }) => e,
        );
      expect(err?.data?.httpStatus).toBe(400);
      return err!.message;
    };
    expect(await bad({ kind: 'mtls', cert: pki.client.cert, key: pki.server.key })).toMatch(
      /auth\.key.*does not belong to the certificate/,
    );
    expect(await bad({ kind: 'oauth2_client_credentials', tokenUrl: 'ftp://x', clientId: 'a', clientSecret: 'b' })).toMatch(
      /auth\.tokenUrl/,
    );
    expect(await bad({ kind: 'bearer', token: 't' }, { headers: { Authorization: 'Bearer x' } })).toMatch(/headers\.Authorization/);
    expect(await bad({ kind: 'digest', token: 't' })).toMatch(/auth/);
  });

  it('keeps every credential sealed at rest and out of histories, logs and API answers', async () => {
    const rows = await h.db.selectFrom('webhooks').select(['id', 'auth']).where('team_id', '=', t.teamId).execute();
    const withAuth = rows.filter((r) => r.auth !== null);
    expect(withAuth.length).toBeGreaterThanOrEqual(8);
    for (const r of withAuth) expect((r.auth as { sealed: string }).sealed).toMatch(/^enc:v1:k1:/);

    const ids: string[] = [];
    for await (const wf of h.temporal.workflow.list({ query: `TaskQueue = "${h.config.temporal.taskQueue}"` })) ids.push(wf.workflowId);
    expect(ids.length).toBeGreaterThanOrEqual(10);
    const histories = await Promise.all(ids.map(async (id) => searchableHistory(await h.temporal.workflow.getHandle(id).fetchHistory())));
    const answers = JSON.stringify([
      await t.api.webhooks.list.query({}),
      ...(await Promise.all(withAuth.map((r) => t.api.webhooks.get.query({ id: r.id })))),
    ]);
    const corpus = [JSON.stringify(rows), ...histories, output.text(), answers].join('\n');
    // The search is real: the attempt records are there…
    expect(histories.join('')).toContain('oauth2_client_credentials');
    // …and no credential, issued token or private key is.
    const issuedTokens = rx.arrivals
      .map((a) => String(a.headers.authorization ?? '').replace(/^Bearer /, ''))
      .filter((x) => x.startsWith('tok_'));
    expect(issuedTokens.length).toBeGreaterThan(0);
    const keyBody = (pem: string) => pem.split('\n').slice(1, 3).join('\n');
    for (const s of [
      ...Object.values(secrets),
      ...issuedTokens,
      keyBody(pki.client.key),
      Buffer.from(`herald:${secrets.password}`).toString('base64'),
    ])
      expect(corpus.includes(s), `found a credential starting ${s.slice(0, 8)}`).toBe(false);
  });
});
