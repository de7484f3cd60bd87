/**
 * Receiver credentials a webhook's custom headers may carry. Svix marks these header names
 * sensitive and never returns their values: `authorization`, `proxy-authorization`,
 * `x-auth-token`, `www-authenticate`, `proxy-authenticate`. Herald adds `cookie` and any name
 * containing `auth`, `token`, `secret`, `key`, `password`, `passwd`, `credential`, `session`,
 * `signature` or `cookie` (`X-API-Key`, `X-Shopify-Access-Token`, …), case-insensitively.
 */
const SVIX_SENSITIVE = new Set([
  'authorization',
  'proxy-authorization',
  'x-auth-token',
  'www-authenticate',
  'proxy-authenticate',
  'cookie',
]);
const CREDENTIAL_WORD = /auth|token|secret|key|password|passwd|credential|session|signature|cookie/i;

/** What a masked value reads as. */
export const MASKED = '***';

export function isSensitiveHeader(name: string): boolean {
  return SVIX_SENSITIVE.has(name.toLowerCase()) || CREDENTIAL_WORD.test(name);
}

/** The headers with every sensitive value replaced by MASKED; names stay, so a reader sees which are set. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSensitiveHeader(name) ? MASKED : value]));
}
