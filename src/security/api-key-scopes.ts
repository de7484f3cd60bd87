/**
 * What an API key may call. `admin`: everything. `publish`: events.publish only. `read`: gets
 * and lists, never signing secrets. Each procedure names the scope it needs (trpc.ts); an admin
 * key satisfies every one.
 */
export const API_KEY_SCOPES = ['admin', 'publish', 'read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export function scopeAllows(keyScope: ApiKeyScope, needed: ApiKeyScope): boolean {
  return keyScope === 'admin' || keyScope === needed;
}
