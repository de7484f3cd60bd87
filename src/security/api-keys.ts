import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys look like `hk_<8 hex prefix>_<43 base64url chars>`. Only the SHA-256 of the whole
 * key is stored; the prefix is kept in clear so operators can tell keys apart.
 * A fast hash is right here: keys carry 256 bits of entropy, so brute force is moot.
 */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = `hk_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
