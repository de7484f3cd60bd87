/**
 * Webhook signing secrets at rest, the way Svix stores them: AES-256-GCM with a fresh random
 * 96-bit nonce per value, in a versioned envelope that names its key:
 *
 *   enc:v1:<keyId>:<nonce, base64url>:<ciphertext + 16-byte tag, base64url>
 *
 * The additional authenticated data is the webhook id, so an envelope copied into another
 * webhook's row (by someone with write access to the table but not the key) does not decrypt
 * there, and `getSecret` cannot be used to read another team's secret.
 *
 * A value without the `enc:` prefix is a secret stored in clear (before a key was configured, or
 * with no key in development); it is read as is. node:crypto only; about 2–5 µs per open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './encryption-keys.js';

export const ENVELOPE_PREFIX = 'enc:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** A stored secret that cannot be opened with this process' keyring: a configuration error. */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

/**
 * `purpose` keeps the webhook's sealed values apart: a receiver credential (receiver-auth.ts)
 * does not open as its signing secret, nor the other way round.
 */
const what = (purpose: string) => (purpose === 'webhook-secret' ? 'signing secret' : 'receiver credential');
const aad = (webhookId: string, purpose: string) => Buffer.from(`herald:${purpose}:${webhookId}`, 'utf8');

/** True for an `enc:` value (any version): it must be opened, not used as is. */
export function isSealed(stored: string): boolean {
  return stored.startsWith('enc:');
}

/** The key id an envelope names, or null for a clear value. */
export function sealedKeyId(stored: string): string | null {
  if (!stored.startsWith(ENVELOPE_PREFIX)) return null;
  return stored.slice(ENVELOPE_PREFIX.length, stored.indexOf(':', ENVELOPE_PREFIX.length));
}

/** Seals with the keyring's first key; with an empty keyring returns the secret in clear (development). */
export function sealSecret(keyring: Keyring, webhookId: string, secret: string, purpose = 'webhook-secret'): string {
  const current = keyring[0];
  if (!current) return secret;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, current.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(webhookId, purpose));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${ENVELOPE_PREFIX}${current.id}:${nonce.toString('base64url')}:${sealed.toString('base64url')}`;
}

/**
 * The secret a stored value stands for. Clear values come back unchanged. Throws SecretKeyError
 * naming the key id (never any key or secret bytes) when the envelope's key is not in the
 * keyring, the envelope is malformed, or it fails authentication (wrong key bytes under that id,
 * a tampered value, or a value moved from another webhook).
 */
export function openSecret(keyring: Keyring, webhookId: string, stored: string, purpose = 'webhook-secret'): string {
  if (!isSealed(stored)) return stored;
  if (!stored.startsWith(ENVELOPE_PREFIX))
    throw new SecretKeyError(`${what(purpose)} of webhook ${webhookId} has an unknown envelope version; this Herald is too old to read it`);
  const parts = stored.slice(ENVELOPE_PREFIX.length).split(':');
  const [keyId, nonceText, sealedText] = parts;
  if (parts.length !== 3 || !keyId || !nonceText || !sealedText)
    throw new SecretKeyError(`${what(purpose)} of webhook ${webhookId} is a malformed envelope`);
  const entry = keyring.find((k) => k.id === keyId);
  if (!entry) {
    const held = keyring.length ? `it holds ${keyring.map((k) => `"${k.id}"`).join(', ')}` : 'it is unset';
    throw new SecretKeyError(
      `${what(purpose)} of webhook ${webhookId} is encrypted with key "${keyId}", which HERALD_ENCRYPTION_KEY does not hold (${held})`,
    );
  }
  const nonce = Buffer.from(nonceText, 'base64url');
  const sealed = Buffer.from(sealedText, 'base64url');
  if (nonce.length !== NONCE_BYTES || sealed.length <= TAG_BYTES)
    throw new SecretKeyError(`${what(purpose)} of webhook ${webhookId} is a malformed envelope`);
  try {
    const decipher = createDecipheriv(ALGORITHM, entry.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(webhookId, purpose));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError(
      `${what(purpose)} of webhook ${webhookId} does not decrypt with key "${keyId}" of HERALD_ENCRYPTION_KEY (wrong key bytes under that id, or the stored value was altered)`,
    );
  }
}

/** True when the value is not sealed with the keyring's current key (and there is one): re-encrypt it. */
export function needsReseal(keyring: Keyring, stored: string): boolean {
  const current = keyring[0];
  return current !== undefined && sealedKeyId(stored) !== current.id;
}
