import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseKeyring, type Keyring } from '../../src/security/encryption-keys.js';
import {
  credentialFingerprint,
  describeReceiverAuth,
  inspectMtls,
  openReceiverAuth,
  type ReceiverCredentials,
  ReceiverAuthError,
  resealReceiverAuth,
  sealReceiverAuth,
  staticAuthorization,
} from '../../src/security/receiver-auth.js';
import { openSecret } from '../../src/security/secret-envelope.js';
import { makeTestPki, type TestPki } from '../support/test-pki.js';

const keyring = (raw: string): Keyring => {
  const parsed = parseKeyring(raw);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.keyring;
};
const k1raw = `k1:${randomBytes(32).toString('base64')}`;
const k1 = keyring(k1raw);
const k2 = `k2:${randomBytes(32).toString('base64')}`;

const oauth: ReceiverCredentials = {
  kind: 'oauth2_client_credentials',
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'herald',
  clientSecret: 'cs_very_secret_value',
  scope: 'webhooks:write',
  audience: null,
  clientAuthMethod: 'client_secret_basic',
};

describe('receiver auth at rest', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });

  it('seals every secret field and opens back to the same credentials, for each kind', () => {
    const all: ReceiverCredentials[] = [
      { kind: 'basic', username: 'herald', password: 'pw_very_secret_value' },
      { kind: 'bearer', token: 'tok_very_secret_value' },
      oauth,
      { kind: 'mtls', cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert },
    ];
    for (const creds of all) {
      const stored = sealReceiverAuth(k1, 'wh_1', creds);
      expect(stored.sealed).toMatch(/^enc:v1:k1:/);
      const shown = JSON.stringify({ ...stored, sealed: undefined });
      for (const secret of ['pw_very_secret_value', 'tok_very_secret_value', 'cs_very_secret_value', pki.client.key])
        expect(shown.includes(secret)).toBe(false);
      expect(openReceiverAuth(k1, 'wh_1', stored)).toEqual(creds);
    }
  });

  it('describes a credential by kind, public fields and fingerprint, never the sealed part', () => {
    const stored = sealReceiverAuth(k1, 'wh_1', oauth);
    const shown = describeReceiverAuth(stored)!;
    expect(shown).toEqual({
      kind: 'oauth2_client_credentials',
      tokenUrl: oauth.tokenUrl,
      clientId: 'herald',
      scope: 'webhooks:write',
      audience: null,
      clientAuthMethod: 'client_secret_basic',
      fingerprint: stored.fingerprint,
    });
    expect(describeReceiverAuth(null)).toBeNull();
  });

  it('shows an mTLS certificate’s subject, issuer and expiry, and whether a custom CA is set', () => {
    const stored = sealReceiverAuth(k1, 'wh_1', { kind: 'mtls', cert: pki.client.cert, key: pki.client.key, ca: null });
    expect(stored).toMatchObject({
      kind: 'mtls',
      customCa: false,
      certificate: { subject: 'CN=herald-client', issuer: 'CN=Herald Test CA' },
    });
    const notAfter = Date.parse((stored as { certificate: { notAfter: string } }).certificate.notAfter);
    expect(notAfter).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('cannot open a receiver credential as a signing secret (the purpose is bound in)', () => {
    const stored = sealReceiverAuth(k1, 'wh_1', { kind: 'bearer', token: 'tok_x' });
    expect(() => openSecret(k1, 'wh_1', stored.sealed)).toThrow();
    expect(() => openReceiverAuth(k1, 'wh_2', stored)).toThrow();
  });

  it('reseals under a new first key and still opens', () => {
    const stored = sealReceiverAuth(k1, 'wh_1', oauth);
    const both = keyring(`${k2},${k1raw}`);
    const resealed = resealReceiverAuth(both, 'wh_1', stored);
    expect(resealed.sealed).toMatch(/^enc:v1:k2:/);
    expect(resealed.fingerprint).toBe(stored.fingerprint);
    expect(openReceiverAuth(both, 'wh_1', resealed)).toEqual(oauth);
  });

  it('gives a fingerprint that changes with the credentials and with the webhook, not with sealing', () => {
    const a = credentialFingerprint('wh_1', { kind: 'bearer', token: 't1' });
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(credentialFingerprint('wh_1', { kind: 'bearer', token: 't1' })).toBe(a);
    expect(credentialFingerprint('wh_1', { kind: 'bearer', token: 't2' })).not.toBe(a);
    expect(credentialFingerprint('wh_2', { kind: 'bearer', token: 't1' })).not.toBe(a);
  });

  it('builds Basic and Bearer authorization values, and none for OAuth2 or mTLS', () => {
    expect(staticAuthorization({ kind: 'basic', username: 'u', password: 'p:é' })).toBe(
      `Basic ${Buffer.from('u:p:é', 'utf8').toString('base64')}`,
    );
    expect(staticAuthorization({ kind: 'bearer', token: 'abc' })).toBe('Bearer abc');
    expect(staticAuthorization(oauth)).toBeUndefined();
  });

  it('refuses an mTLS key that is not the certificate’s, a bundle that is not certificates, and junk, naming the field', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof ReceiverAuthError) return `${e.field}: ${e.message}`;
        throw e;
      }
      return 'accepted';
    };
    expect(field(() => inspectMtls(pki.client.cert, pki.server.key, null, Date.now()))).toBe('key: does not belong to the certificate');
    expect(field(() => inspectMtls('not a pem', pki.client.key, null, Date.now()))).toBe('cert: must be a PEM certificate');
    expect(field(() => inspectMtls(pki.client.cert, 'junk', null, Date.now()))).toBe('key: must be an unencrypted PEM private key');
    expect(field(() => inspectMtls(pki.client.cert, pki.client.key, 'junk', Date.now()))).toBe(
      'ca: must hold one or more PEM certificates',
    );
    expect(field(() => inspectMtls(pki.client.cert, pki.client.key, null, Date.now() + 365 * 86_400_000))).toMatch(/^cert: expired at /);
    expect(field(() => inspectMtls(pki.client.cert, pki.client.key, pki.ca.cert, Date.now()))).toBe('accepted');
  });
});
