/**
 * Webhook signing secrets in the Standard Webhooks format: `whsec_` + base64 of random bytes.
 * The same string is shown to the receiver, who passes it to their verifier unchanged.
 */
import { randomBytes } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

/** Canonical (padded) base64, so a secret decodes to exactly one key. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A fresh secret from the CSPRNG. Throws RangeError unless 24 <= bytes <= 64 (integer). */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`secret length must be an integer from ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`);
  }
  return WEBHOOK_SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** True for `whsec_` + canonical base64 decoding to 24–64 bytes. */
export function isValidWebhookSecret(s: unknown): s is string {
  if (typeof s !== 'string' || !s.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const encoded = s.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) return false;
  const n = Buffer.from(encoded, 'base64').length;
  return n >= MIN_SECRET_BYTES && n <= MAX_SECRET_BYTES;
}

/**
 * The HMAC key a secret stands for. Throws TypeError for an invalid secret rather than
 * signing with a garbage key that no receiver could verify.
 */
export function secretKeyBytes(secret: string): Buffer {
  if (!isValidWebhookSecret(secret)) throw new TypeError('invalid webhook secret');
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}
