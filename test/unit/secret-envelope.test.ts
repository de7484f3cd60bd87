import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { generateWebhookSecret } from '../../src/delivery/webhook-secret.js';
import { parseKeyring, type Keyring } from '../../src/security/encryption-keys.js';
import { ENVELOPE_PREFIX, needsReseal, openSecret, sealedKeyId, SecretKeyError, sealSecret } from '../../src/security/secret-envelope.js';

const keyText = () => randomBytes(32).toString('base64');
function keyring(value: string): Keyring {
  const r = parseKeyring(value);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.keyring;
}

describe('signing secret envelope', () => {
  const k1 = keyText();
  const k2 = keyText();
  const one = keyring(`k1:${k1}`);
  const both = keyring(`k2:${k2},k1:${k1}`);

  it('seals with the first key into enc:v1:<keyId>:<nonce>:<ciphertext+tag> and opens back to the secret', () => {
    const secret = generateWebhookSecret();
    const sealed = sealSecret(one, 'wh_a', secret);
    expect(sealed).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed.includes(secret.slice(6))).toBe(false);
    expect(openSecret(one, 'wh_a', sealed)).toBe(secret);
    expect(sealedKeyId(sealSecret(both, 'wh_a', secret))).toBe('k2');
  });

  it('uses a fresh nonce per value, so the same secret never seals to the same text', () => {
    const secret = generateWebhookSecret();
    const a = sealSecret(one, 'wh_a', secret);
    const b = sealSecret(one, 'wh_a', secret);
    expect(a).not.toBe(b);
    expect(a.split(':')[3]).not.toBe(b.split(':')[3]);
  });

  it('opens values sealed by any listed key, and clear values as they are', () => {
    const secret = generateWebhookSecret();
    expect(openSecret(both, 'wh_a', sealSecret(one, 'wh_a', secret))).toBe(secret);
    expect(openSecret(both, 'wh_a', secret)).toBe(secret);
    expect(openSecret([], 'wh_a', secret)).toBe(secret);
  });

  it('stores in clear with no key (development)', () => {
    const secret = generateWebhookSecret();
    expect(sealSecret([], 'wh_a', secret)).toBe(secret);
    expect(needsReseal([], secret)).toBe(false);
  });

  it('names the missing key id, and the variable, when the keyring lacks the envelope key', () => {
    const sealed = sealSecret(one, 'wh_a', generateWebhookSecret());
    const lacking = keyring(`k2:${k2}`);
    expect(() => openSecret(lacking, 'wh_a', sealed)).toThrow(SecretKeyError);
    expect(() => openSecret(lacking, 'wh_a', sealed)).toThrow(
      'signing secret of webhook wh_a is encrypted with key "k1", which HERALD_ENCRYPTION_KEY does not hold (it holds "k2")',
    );
    expect(() => openSecret([], 'wh_a', sealed)).toThrow('which HERALD_ENCRYPTION_KEY does not hold (it is unset)');
  });

  it('refuses wrong key bytes under the right id, a tampered value and a value moved to another webhook', () => {
    const sealed = sealSecret(one, 'wh_a', generateWebhookSecret());
    const impostor = keyring(`k1:${keyText()}`);
    expect(() => openSecret(impostor, 'wh_a', sealed)).toThrow('does not decrypt with key "k1"');
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    expect(() => openSecret(one, 'wh_a', `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`)).toThrow(SecretKeyError);
    expect(() => openSecret(one, 'wh_b', sealed)).toThrow('does not decrypt with key "k1"');
    expect(() => openSecret(one, 'wh_a', 'enc:v1:k1:short')).toThrow('malformed envelope');
    expect(() => openSecret(one, 'wh_a', 'enc:v9:k1:a:b')).toThrow('unknown envelope version');
  });

  it('says which values need re-sealing: clear ones and ones under an older key', () => {
    const secret = generateWebhookSecret();
    expect(needsReseal(both, secret)).toBe(true);
    expect(needsReseal(both, sealSecret(one, 'wh_a', secret))).toBe(true);
    expect(needsReseal(both, sealSecret(both, 'wh_a', secret))).toBe(false);
  });

  it('opens a secret in microseconds (no key derivation per call)', () => {
    const sealed = sealSecret(both, 'wh_a', generateWebhookSecret());
    for (let i = 0; i < 1000; i++) openSecret(both, 'wh_a', sealed);
    const n = 20_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) openSecret(both, 'wh_a', sealed);
    const usPerOpen = Number(process.hrtime.bigint() - t0) / 1000 / n;
    console.log(`openSecret: ${usPerOpen.toFixed(2)} µs per decrypt (${n} runs)`);
    // About 5 µs on an idle core; generous for a loaded 2-core box. A KDF (scrypt, PBKDF2) per call would be tens of milliseconds.
    expect(usPerOpen).toBeLessThan(1000);
  });
});

describe('HERALD_ENCRYPTION_KEY validation', () => {
  const bad = (value: string) => {
    try {
      loadConfig({ HERALD_ENCRYPTION_KEY: value });
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('loadConfig accepted a bad key');
  };

  it('accepts id:base64 entries (base64 or base64url), first one current, and unset as no key', () => {
    const a = keyText();
    const b = randomBytes(32).toString('base64url');
    const config = loadConfig({ HERALD_ENCRYPTION_KEY: ` new:${b} , old:${a}` });
    expect(config.encryptionKeys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(loadConfig({}).encryptionKeys).toEqual([]);
    expect(loadConfig({ HERALD_ENCRYPTION_KEY: '' }).encryptionKeys).toEqual([]);
  });

  it('names the variable, the entry and the rule for a malformed key, never the key bytes', () => {
    const short = randomBytes(16).toString('base64');
    const msg = bad(`k1:${short}`);
    expect(msg).toContain('HERALD_ENCRYPTION_KEY: entry 1 ("k1"): key must be base64 of exactly 32 random bytes (AES-256), got 16');
    expect(msg.includes(short)).toBe(false);
    expect(bad(keyText())).toContain('HERALD_ENCRYPTION_KEY: entry 1: must be <id>:<base64 of 32 bytes>');
    expect(bad(`k1:${keyText()},bad id:${keyText()}`)).toContain(
      'HERALD_ENCRYPTION_KEY: entry 2: key id must be 1–32 characters of A-Z a-z 0-9 _ -',
    );
    expect(bad(`k1:${keyText()},k1:${keyText()}`)).toContain('HERALD_ENCRYPTION_KEY: entry 2 ("k1"): key id listed twice');
    expect(bad('k1:not*base64')).toContain('HERALD_ENCRYPTION_KEY: entry 1 ("k1"): key must be base64 of exactly 32 random bytes');
  });

  it('shows no key material when the config is serialised or inspected', async () => {
    const k = keyText();
    const config = loadConfig({ HERALD_ENCRYPTION_KEY: `k1:${k}` });
    const { inspect } = await import('node:util');
    const raw = Buffer.from(k, 'base64');
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(text.includes(k)).toBe(false);
      expect(text.includes(raw.toString('hex'))).toBe(false);
    }
  });
});
