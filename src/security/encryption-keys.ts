/**
 * The keyring of HERALD_ENCRYPTION_KEY: `id:base64key[,id:base64key…]`. The first key encrypts
 * every secret written from now on; every key listed decrypts. Keys are raw 32-byte AES-256
 * keys (no KDF), held as node:crypto KeyObjects built once at config load, so the delivery hot
 * path never derives a key, and a logged or JSON-serialised config shows no key material
 * (`JSON.stringify(keyObject)` is `{}`).
 */
import { createSecretKey, type KeyObject } from 'node:crypto';

export interface EncryptionKey {
  /** Named in every envelope sealed with this key: 1–32 of `A-Z a-z 0-9 _ -`. */
  readonly id: string;
  readonly key: KeyObject;
}

/** First key encrypts; all decrypt. Empty: secrets are stored in clear (development). */
export type Keyring = readonly EncryptionKey[];

export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const KEY_BYTES = 32;
/** Canonical base64 or base64url, padding optional. */
const BASE64ISH = /^[A-Za-z0-9+/_-]+={0,2}$/;

export type KeyringParse = { ok: true; keyring: Keyring } | { ok: false; errors: string[] };

/**
 * Parses the variable's value. Errors name the entry (by position and id) and the rule, never
 * the key material. An empty or unset value is the empty keyring.
 */
export function parseKeyring(raw: string | undefined): KeyringParse {
  if (raw === undefined || raw.trim() === '') return { ok: true, keyring: [] };
  const errors: string[] = [];
  const keyring: EncryptionKey[] = [];
  const seen = new Set<string>();
  raw.split(',').forEach((entry, i) => {
    const where = `entry ${i + 1}`;
    const text = entry.trim();
    const colon = text.indexOf(':');
    if (colon < 0) {
      errors.push(`${where}: must be <id>:<base64 of ${KEY_BYTES} bytes> (keys separated by commas, the first encrypts)`);
      return;
    }
    const id = text.slice(0, colon);
    const encoded = text.slice(colon + 1);
    if (!KEY_ID.test(id)) {
      errors.push(`${where}: key id must be 1–32 characters of A-Z a-z 0-9 _ -`);
      return;
    }
    if (seen.has(id)) {
      errors.push(`${where} ("${id}"): key id listed twice`);
      return;
    }
    seen.add(id);
    const bytes = BASE64ISH.test(encoded)
      ? Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64')
      : undefined;
    if (!bytes || bytes.length !== KEY_BYTES) {
      errors.push(
        `${where} ("${id}"): key must be base64 of exactly ${KEY_BYTES} random bytes (AES-256)${bytes ? `, got ${bytes.length}` : ''}`,
      );
      return;
    }
    keyring.push({ id, key: createSecretKey(bytes) });
    bytes.fill(0);
  });
  return errors.length ? { ok: false, errors } : { ok: true, keyring };
}
