/**
 * Receiver authentication (docs/receiver-auth.md): how Herald proves itself to a receiver besides
 * the signature. One kind per webhook:
 *
 * - `basic`: `Authorization: Basic` with a username and password;
 * - `bearer`: `Authorization: Bearer` with a static token;
 * - `oauth2_client_credentials`: a token fetched from the receiver's token endpoint (RFC 6749
 *   §4.4) and sent as a bearer token (core/attempt/oauth-tokens.ts);
 * - `mtls`: a client certificate and key, and optionally the CA bundle the receiver's server
 *   certificate must chain to instead of the system store.
 *
 * At rest (`webhooks.auth`, JSON) the non-secret fields are kept in clear and every secret field in
 * one envelope sealed like signing secrets (secret-envelope.ts, its own purpose in the AAD, so it
 * cannot pass for the webhook's signing secret). The API answers only `describeReceiverAuth`:
 * the kind, the non-secret fields and a fingerprint. Pure but for node:crypto.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { Keyring } from './encryption-keys.js';
import { openSecret, sealSecret } from './secret-envelope.js';

export type ReceiverAuthKind = 'basic' | 'bearer' | 'oauth2_client_credentials' | 'mtls';
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** The credentials in full: what the API takes and what an attempt opens. Never logged or returned. */
export type ReceiverCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | {
      kind: 'oauth2_client_credentials';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope: string | null;
      audience: string | null;
      clientAuthMethod: ClientAuthMethod;
    }
  | { kind: 'mtls'; cert: string; key: string; ca: string | null };

/** What a client certificate shows of itself (public). `notAfter`: ISO-8601. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  notAfter: string;
  fingerprint256: string;
}

/** The non-secret part, kept in clear and shown by the API. */
export type ReceiverAuthPublic =
  | { kind: 'basic'; username: string }
  | { kind: 'bearer' }
  | {
      kind: 'oauth2_client_credentials';
      tokenUrl: string;
      clientId: string;
      scope: string | null;
      audience: string | null;
      clientAuthMethod: ClientAuthMethod;
    }
  | { kind: 'mtls'; certificate: CertificateInfo; customCa: boolean };

/** The `webhooks.auth` column: the public part, a fingerprint of the whole, and the sealed secrets. */
export type StoredReceiverAuth = ReceiverAuthPublic & { fingerprint: string; sealed: string };

/** The API's view: the public part and the fingerprint (changes exactly when the credentials do). */
export type ReceiverAuthDescription = ReceiverAuthPublic & { fingerprint: string };

const PURPOSE = 'receiver-auth';

/** A credential the checks refuse; `field` names the input field (under `auth`). */
export class ReceiverAuthError extends Error {
  override readonly name = 'ReceiverAuthError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks an mTLS pair (and CA bundle) with node:crypto and describes the certificate: the key
 * must parse and match the certificate, the certificate must not have expired at `nowMs`, and
 * every block of the bundle must be a certificate.
 */
export function inspectMtls(cert: string, key: string, ca: string | null, nowMs: number): CertificateInfo {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ReceiverAuthError('cert', 'must be a PEM certificate');
  }
  let keyObject: ReturnType<typeof createPrivateKey>;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    throw new ReceiverAuthError('key', 'must be an unencrypted PEM private key');
  }
  if (!x509.checkPrivateKey(keyObject)) throw new ReceiverAuthError('key', 'does not belong to the certificate');
  const notAfter = new Date(x509.validTo);
  if (!(notAfter.getTime() > nowMs)) throw new ReceiverAuthError('cert', `expired at ${notAfter.toISOString()}`);
  if (ca !== null) {
    const blocks = ca.match(PEM_CERT) ?? [];
    if (blocks.length === 0) throw new ReceiverAuthError('ca', 'must hold one or more PEM certificates');
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch {
        throw new ReceiverAuthError('ca', 'holds a block that is not a certificate');
      }
    }
  }
  return { subject: x509.subject, issuer: x509.issuer, notAfter: notAfter.toISOString(), fingerprint256: x509.fingerprint256 };
}

/** The public part of `creds`. */
function publicPart(creds: ReceiverCredentials, nowMs: number): ReceiverAuthPublic {
  switch (creds.kind) {
    case 'basic':
      return { kind: 'basic', username: creds.username };
    case 'bearer':
      return { kind: 'bearer' };
    case 'oauth2_client_credentials':
      return {
        kind: creds.kind,
        tokenUrl: creds.tokenUrl,
        clientId: creds.clientId,
        scope: creds.scope,
        audience: creds.audience,
        clientAuthMethod: creds.clientAuthMethod,
      };
    case 'mtls':
      return { kind: 'mtls', certificate: inspectMtls(creds.cert, creds.key, creds.ca, nowMs), customCa: creds.ca !== null };
  }
}

/** The secret fields only, as sealed. */
function secretPart(creds: ReceiverCredentials): Record<string, string | null> {
  switch (creds.kind) {
    case 'basic':
      return { password: creds.password };
    case 'bearer':
      return { token: creds.token };
    case 'oauth2_client_credentials':
      return { clientSecret: creds.clientSecret };
    case 'mtls':
      return { cert: creds.cert, key: creds.key, ca: creds.ca };
  }
}

/**
 * 12 hex digits of SHA-256 over the webhook id and the credentials: equal exactly when the
 * credentials are (so caches of tokens and TLS agents key on it), and salted by the webhook so
 * the same password on two webhooks shows two fingerprints.
 */
export function credentialFingerprint(webhookId: string, creds: ReceiverCredentials): string {
  return createHash('sha256').update(`herald:${PURPOSE}:${webhookId}\n`).update(JSON.stringify(creds)).digest('hex').slice(0, 12);
}

/** The column value for `creds`: sealed with the keyring's first key (in clear with none, development). */
export function sealReceiverAuth(keyring: Keyring, webhookId: string, creds: ReceiverCredentials, nowMs = Date.now()): StoredReceiverAuth {
  return {
    ...publicPart(creds, nowMs),
    fingerprint: credentialFingerprint(webhookId, creds),
    sealed: sealSecret(keyring, webhookId, JSON.stringify(secretPart(creds)), PURPOSE),
  };
}

/** The credentials a stored value stands for. Throws SecretKeyError (secret-envelope.ts) when the keyring cannot open it. */
export function openReceiverAuth(keyring: Keyring, webhookId: string, stored: StoredReceiverAuth): ReceiverCredentials {
  const secret = JSON.parse(openSecret(keyring, webhookId, stored.sealed, PURPOSE)) as Record<string, string | null>;
  switch (stored.kind) {
    case 'basic':
      return { kind: 'basic', username: stored.username, password: String(secret.password) };
    case 'bearer':
      return { kind: 'bearer', token: String(secret.token) };
    case 'oauth2_client_credentials':
      return {
        kind: stored.kind,
        tokenUrl: stored.tokenUrl,
        clientId: stored.clientId,
        clientSecret: String(secret.clientSecret),
        scope: stored.scope,
        audience: stored.audience,
        clientAuthMethod: stored.clientAuthMethod,
      };
    case 'mtls':
      return { kind: 'mtls', cert: String(secret.cert), key: String(secret.key), ca: secret.ca ?? null };
  }
}

/** The stored value re-sealed under the keyring's first key (`npm run admin -- secrets reencrypt`). */
export function resealReceiverAuth(keyring: Keyring, webhookId: string, stored: StoredReceiverAuth): StoredReceiverAuth {
  return { ...stored, sealed: sealSecret(keyring, webhookId, openSecret(keyring, webhookId, stored.sealed, PURPOSE), PURPOSE) };
}

/** What the API shows: everything but `sealed`. */
export function describeReceiverAuth(stored: StoredReceiverAuth | null): ReceiverAuthDescription | null {
  if (stored === null) return null;
  const { sealed: _sealed, ...shown } = stored;
  return shown;
}

/** `Authorization` for the static kinds; undefined for OAuth2 (a fetched token) and mTLS (none). */
export function staticAuthorization(creds: ReceiverCredentials): string | undefined {
  if (creds.kind === 'basic') return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
  if (creds.kind === 'bearer') return `Bearer ${creds.token}`;
  return undefined;
}
