/**
 * A webhook's own egress setting (`webhooks.egress_proxy`): no proxy (`direct`, whatever the
 * deployment's HERALD_EGRESS_PROXY), or a forward proxy of its own. The proxy URL may carry
 * credentials, so it is sealed like signing secrets (its own purpose in the AAD); `shown` is the
 * URL with userinfo masked, which the API answers. Null in the column: the deployment's proxy.
 */
import type { Keyring } from './encryption-keys.js';
import { openSecret, sealSecret } from './secret-envelope.js';

export type StoredEgressProxy = { mode: 'direct' } | { mode: 'proxy'; shown: string; sealed: string };

const PURPOSE = 'egress-proxy';

/** http(s)://[user:password@]host[:port] and nothing after it but an optional `/`. */
export const PROXY_URL = /^https?:\/\/[^/?#\s]+\/?$/;

/** The URL with its userinfo masked: `http://u:p@proxy:3128` → `http://***@proxy:3128`. */
export function showProxyUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.username || u.password ? '***@' : ''}${u.host}`;
}

/** The column value for the API's `egressProxy` ('direct' or a proxy URL). */
export function sealEgressProxy(keyring: Keyring, webhookId: string, value: string): StoredEgressProxy {
  if (value === 'direct') return { mode: 'direct' };
  return { mode: 'proxy', shown: showProxyUrl(value), sealed: sealSecret(keyring, webhookId, value, PURPOSE) };
}

/** 'direct', or the proxy URL in full (with its credentials). Throws SecretKeyError when the keyring cannot open it. */
export function openEgressProxy(keyring: Keyring, webhookId: string, stored: StoredEgressProxy): string {
  return stored.mode === 'direct' ? 'direct' : openSecret(keyring, webhookId, stored.sealed, PURPOSE);
}

/** The stored value re-sealed under the keyring's first key. */
export function resealEgressProxy(keyring: Keyring, webhookId: string, stored: StoredEgressProxy): StoredEgressProxy {
  return stored.mode === 'direct'
    ? stored
    : { ...stored, sealed: sealSecret(keyring, webhookId, openSecret(keyring, webhookId, stored.sealed, PURPOSE), PURPOSE) };
}

/** What the API answers: null (the deployment's), 'direct', or the masked URL. */
export function describeEgressProxy(stored: StoredEgressProxy | null): string | null {
  return stored === null ? null : stored.mode === 'direct' ? 'direct' : stored.shown;
}
