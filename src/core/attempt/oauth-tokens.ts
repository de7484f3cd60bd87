/**
 * OAuth2 client-credentials tokens for receiver auth (RFC 6749 §4.4). A token is fetched on a
 * webhook's first attempt that needs it and kept, keyed by webhook and credential fingerprint (a
 * credential change starts afresh), until REFRESH_MARGIN before it expires: in this process's
 * memory, and in the TokenStore every worker process shares (PostgreSQL, the token sealed like
 * signing secrets: repositories/oauth-token-store.ts), so a second worker takes the first one's
 * token instead of fetching its own. Concurrent attempts in one process share one fetch; two
 * processes missing at the same moment may each fetch one (the later one is kept). Never in
 * Temporal history, logs or metrics. A store that fails is a miss: the token is fetched.
 */
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import type { AttemptError } from '../../delivery/types.js';
import type { ReceiverCredentials } from '../../security/receiver-auth.js';
import { checkUrlSyntax } from '../../security/url-safety.js';
import type { TokenKey, TokenStore } from '../../repositories/oauth-token-store.js';
import { classifyNetworkError } from './send-attempt.js';

export type { TokenKey, TokenStore };

type OAuth2 = Extract<ReceiverCredentials, { kind: 'oauth2_client_credentials' }>;

export type TokenResult = { ok: true; token: string; fresh: boolean } | { ok: false; error: AttemptError; durationMs: number };

/** A token is renewed this long before it expires (or at half its life, if that is shorter), ms. */
export const REFRESH_MARGIN_MS = 60_000;
/** Lifetime assumed when the token endpoint gives no `expires_in`, s. */
export const DEFAULT_EXPIRES_IN_S = 300;
/** Tokens kept at once; beyond it the oldest is dropped (it is fetched again when needed). */
const MAX_TOKENS = 10_000;
const MAX_ANSWER_BYTES = 16 * 1024;
const MAX_MESSAGE_BODY_CHARS = 200;

export class OAuthTokens {
  private readonly tokens = new Map<string, { token: string; renewAtMs: number }>();
  private readonly fetching = new Map<string, Promise<TokenResult>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly store?: TokenStore,
  ) {}

  /** The cached token for `key` (this process's, else the store's), or one fetched now through `dispatcher`. */
  async get(key: TokenKey, creds: OAuth2, dispatcher: Dispatcher, opts: { allowPrivate: boolean; nowMs?: number }): Promise<TokenResult> {
    const now = opts.nowMs ?? Date.now();
    const id = `${key.webhookId}|${key.fingerprint}`;
    const cached = this.tokens.get(id);
    if (cached && cached.renewAtMs > now) return { ok: true, token: cached.token, fresh: false };
    let pending = this.fetching.get(id);
    if (!pending) {
      pending = this.shared(key, id, now)
        .then((hit) => hit ?? this.fetch(key, id, creds, dispatcher, opts.allowPrivate))
        .finally(() => this.fetching.delete(id));
      this.fetching.set(id, pending);
    }
    return pending;
  }

  /** Drops `token` for `key` (the receiver answered 401 with it), here and in the store, unless a newer one replaced it already. */
  async invalidate(key: TokenKey, token: string): Promise<void> {
    const id = `${key.webhookId}|${key.fingerprint}`;
    if (this.tokens.get(id)?.token === token) this.tokens.delete(id);
    await this.store?.drop(key, token).catch(() => undefined);
  }

  /** The store's token for `key`, kept here too; undefined on a miss or a failing store. */
  private async shared(key: TokenKey, id: string, nowMs: number): Promise<TokenResult | undefined> {
    const hit = await this.store?.read(key, nowMs).catch(() => undefined);
    if (!hit) return undefined;
    this.remember(id, hit.token, hit.renewAtMs);
    return { ok: true, token: hit.token, fresh: false };
  }

  private remember(id: string, token: string, renewAtMs: number): void {
    if (!this.tokens.has(id) && this.tokens.size >= MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(id, { token, renewAtMs });
  }

  /** Tokens held now (tests). */
  get size(): number {
    return this.tokens.size;
  }

  private async fetch(key: TokenKey, id: string, creds: OAuth2, dispatcher: Dispatcher, allowPrivate: boolean): Promise<TokenResult> {
    const t0 = performance.now();
    const failed = (message: string): TokenResult => ({
      ok: false,
      error: { kind: 'auth', message: redact(message, creds) },
      durationMs: Math.round(performance.now() - t0),
    });
    const syntax = checkUrlSyntax(creds.tokenUrl, { allowPrivate });
    if (!syntax.ok) return failed(`token endpoint ${syntax.message}`);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (creds.scope) form.set('scope', creds.scope);
    if (creds.audience) form.set('audience', creds.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (creds.clientAuthMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: both parts form-urlencoded before Basic.
      const pair = `${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', creds.clientId);
      form.set('client_secret', creds.clientSecret);
    }
    let status: number;
    let text: string;
    try {
      const res = await request(creds.tokenUrl, {
        dispatcher,
        method: 'POST',
        headers,
        body: form.toString(),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.statusCode;
      text = await readCapped(res.body);
    } catch (err) {
      return failed(`token endpoint: ${classifyNetworkError(err).message}`);
    }
    const cut = text.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE_BODY_CHARS);
    if (status < 200 || status >= 300) return failed(`token endpoint answered ${status}: ${cut}`);
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      return failed(`token endpoint answered ${status} with a body that is not JSON: ${cut}`);
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '')
      return failed(`token endpoint answered ${status} without an access_token`);
    const lifetimeMs = (typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : DEFAULT_EXPIRES_IN_S) * 1000;
    const renewAtMs = Date.now() + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
    this.remember(id, answer.access_token, renewAtMs);
    await this.store?.write(key, answer.access_token, renewAtMs).catch(() => undefined);
    return { ok: true, token: answer.access_token, fresh: true };
  }
}

/** The body as text, at most MAX_ANSWER_BYTES (the rest is dropped with the connection). */
async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ANSWER_BYTES) break;
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

/** A token endpoint may echo what it was sent: the client secret never reaches a record. */
function redact(message: string, creds: OAuth2): string {
  if (!creds.clientSecret) return message;
  return message.split(creds.clientSecret).join('***').split(encodeURIComponent(creds.clientSecret)).join('***');
}
