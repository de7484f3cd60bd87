import type { z } from 'zod';
import type { egressProxySchema, receiverAuthSchema } from '../api/webhook-schemas.js';
import { sealEgressProxy } from '../security/egress-proxy.js';
import type { Keyring } from '../security/encryption-keys.js';
import { type ReceiverCredentials, sealReceiverAuth } from '../security/receiver-auth.js';
import { checkUrl, isPublicAddress } from '../security/url-safety.js';
import { badRequest } from './errors.js';
import type { ServiceDeps } from './service-deps.js';

type AuthInput = z.output<typeof receiverAuthSchema>;
type ProxyInput = z.output<typeof egressProxySchema>;

/**
 * The address rules of receiver auth and egress that need DNS, as webhook URLs have them: an
 * OAuth2 token URL passes the webhook URL's rules (https on 443 and public addresses, unless the
 * development flag is set); a webhook's own proxy may be http or https on any port, but its host
 * must resolve to public addresses only (the deployment's HERALD_EGRESS_PROXY is the operator's
 * and is not checked). Errors name the field (`auth.tokenUrl`, `egressProxy`).
 */
export async function assertSafeAuthTargets(deps: ServiceDeps, auth: AuthInput | null | undefined, proxy: ProxyInput | null | undefined) {
  const allowPrivate = deps.config.delivery.allowPrivateTargets;
  if (auth?.kind === 'oauth2_client_credentials') {
    const check = await checkUrl(auth.tokenUrl, { allowPrivate, resolve: deps.resolve });
    if (!check.ok) throw badRequest('auth.tokenUrl', check.message.replace(/^url:\s*/, ''));
  }
  if (proxy && proxy !== 'direct' && !allowPrivate) {
    const host = new URL(proxy).hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = await deps.resolve(host);
    } catch {
      addresses = [];
    }
    if (!addresses.length) throw badRequest('egressProxy', 'host could not be resolved');
    const bad = addresses.find((a) => !isPublicAddress(a));
    if (bad) throw badRequest('egressProxy', `host resolves to a non-public address (${bad})`);
  }
}

/** Receiver auth sets Authorization: a custom header of that name next to it would be overridden, so it is refused. */
export function assertNoAuthorizationHeader(headers: Record<string, string>, auth: { kind: string } | null) {
  if (auth === null || auth.kind === 'mtls') return;
  const name = Object.keys(headers).find((h) => h.toLowerCase() === 'authorization');
  if (name) throw badRequest(`headers.${name}`, `cannot be set with ${auth.kind} receiver auth, which sets it`);
}

/** The columns for the given inputs (undefined: unchanged; null: removed), sealed with the keyring's first key. */
export function receiverAuthColumns(
  keyring: Keyring,
  webhookId: string,
  auth: AuthInput | null | undefined,
  proxy: ProxyInput | null | undefined,
) {
  return {
    ...(auth === undefined
      ? {}
      : { auth: auth === null ? null : JSON.stringify(sealReceiverAuth(keyring, webhookId, auth as ReceiverCredentials)) }),
    ...(proxy === undefined ? {} : { egress_proxy: proxy === null ? null : JSON.stringify(sealEgressProxy(keyring, webhookId, proxy)) }),
  };
}
