import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Keyring } from '../security/encryption-keys.js';
import { openSecret, sealSecret } from '../security/secret-envelope.js';

/** Whose token: the webhook (and its team) and its credential fingerprint. */
export interface TokenKey {
  teamId: string;
  webhookId: string;
  fingerprint: string;
}

/** Tokens shared between worker processes (core/attempt/oauth-tokens.ts). Each method may throw; the cache treats that as a miss. */
export interface TokenStore {
  /** A token stored for `key` whose renewal time is after `nowMs`. */
  read(key: TokenKey, nowMs: number): Promise<{ token: string; renewAtMs: number } | undefined>;
  write(key: TokenKey, token: string, renewAtMs: number): Promise<void>;
  /** Drops the stored token for `key` if it is `token` (a receiver refused it). */
  drop(key: TokenKey, token: string): Promise<void>;
}

const PURPOSE = 'oauth-token';
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The OAuth2 tokens every worker process shares (`oauth_tokens`), sealed with
 * HERALD_ENCRYPTION_KEY's first key under their own purpose. A row sealed with a key that is
 * gone does not open: read throws, which the cache treats as a miss, and the next fetch
 * overwrites it (tokens are short-lived: `secrets reencrypt` leaves them be).
 */
export function pgTokenStore(db: Kysely<Database>, keyring: Keyring): TokenStore {
  return {
    async read(key: TokenKey, nowMs: number) {
      const row = await db
        .selectFrom('oauth_tokens')
        .select(['sealed', 'renew_at'])
        .where('webhook_id', '=', key.webhookId)
        .where('fingerprint', '=', key.fingerprint)
        .where('renew_at', '>', new Date(nowMs))
        .executeTakeFirst();
      if (!row) return undefined;
      return { token: openSecret(keyring, key.webhookId, row.sealed, PURPOSE), renewAtMs: row.renew_at.getTime() };
    },
    async write(key: TokenKey, token: string, renewAtMs: number) {
      const values = {
        sealed: sealSecret(keyring, key.webhookId, token, PURPOSE),
        token_hash: hashOf(token),
        renew_at: new Date(renewAtMs),
      };
      await db
        .insertInto('oauth_tokens')
        .values({ webhook_id: key.webhookId, fingerprint: key.fingerprint, team_id: key.teamId, ...values })
        .onConflict((oc) => oc.columns(['webhook_id', 'fingerprint']).doUpdateSet(values))
        .execute();
    },
    async drop(key: TokenKey, token: string) {
      await db
        .deleteFrom('oauth_tokens')
        .where('webhook_id', '=', key.webhookId)
        .where('fingerprint', '=', key.fingerprint)
        .where('token_hash', '=', hashOf(token))
        .execute();
    },
  };
}
