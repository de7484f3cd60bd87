/**
 * The API's side of signing secrets at rest (src/security/secret-envelope.ts): opening a stored
 * secret for `webhooks.getSecret`, and carrying the current one over into the previous ones on
 * `webhooks.rotateSecret`.
 */
import { TRPCError } from '@trpc/server';
import type { Keyring } from '../security/encryption-keys.js';
import { needsReseal, openSecret, SecretKeyError, sealSecret } from '../security/secret-envelope.js';

/**
 * Opens a stored secret. A key this API process lacks is the operator's configuration error:
 * INTERNAL_SERVER_ERROR (the HTTP server logs it) with the reason, which names key ids (labels,
 * not key material).
 */
export function openStoredSecret(keyring: Keyring, webhookId: string, stored: string): string {
  try {
    return openSecret(keyring, webhookId, stored);
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: `${err.message}; the operator must fix HERALD_ENCRYPTION_KEY on the API`,
      cause: err,
    });
  }
}

/**
 * The stored value to keep among `previous_secrets`: re-sealed with the current key when it is in
 * clear or under an older key (and this process can open it), else copied unchanged, which is
 * always correct since the envelope is bound to the same webhook id.
 */
export function resealForCopy(keyring: Keyring, webhookId: string, stored: string): string {
  if (!needsReseal(keyring, stored)) return stored;
  try {
    return sealSecret(keyring, webhookId, openSecret(keyring, webhookId, stored));
  } catch (err) {
    if (err instanceof SecretKeyError) return stored;
    throw err;
  }
}
