import type { QuickJSWASMModule } from 'quickjs-emscripten';
import { eventBody } from '../../delivery/event-body.js';
import { runTransform } from '../../delivery/transform-sandbox.js';
import type { SendResult } from '../../delivery/types.js';
import { openReceiverAuth, type ReceiverCredentials } from '../../security/receiver-auth.js';
import { openEgressProxy } from '../../security/egress-proxy.js';
import { SecretKeyError } from '../../security/secret-envelope.js';
import { checkUrlSyntax } from '../../security/url-safety.js';
import type { Ready } from './admit.js';
import type { AttemptDeps } from './attempt-deps.js';
import { prepareRequest } from './prepare-request.js';

/**
 * A request ready to send; the result of an attempt that sent nothing (a blocked target, a data or transform error); or the transformation's cancel.
 * `auth`: the webhook's receiver credentials, opened; `ownProxy`: its own egress setting, opened (null: the deployment's).
 */
export type Prepared =
  | {
      ok: true;
      url: string;
      method: 'POST' | 'PUT' | 'PATCH';
      headers: Record<string, string>;
      body: string;
      auth: ReceiverCredentials | null;
      ownProxy: string | null;
    }
  | { ok: false; result: SendResult }
  | { ok: false; cancel: true };

/**
 * The prepare stage: the URL's static rules again (config or stored data may have changed since
 * the webhook was saved), the webhook's transformation if it has one (in the sandbox, on the
 * body Herald would send; a changed URL passes the same rules, and the connect-time guard of the
 * team's agent as any other), then body, signatures and headers from the stored rows
 * (prepare-request.ts). In memory only; what fails here is the data's fault. `engine`: the
 * sandbox's module, loaded by the caller when the webhook has a transformation.
 */
export function prepare(deps: AttemptDeps, target: Ready, nowMs: number, engine?: QuickJSWASMModule): Prepared {
  const { webhook } = target;
  const startedAt = new Date(nowMs).toISOString();
  const nothingSent = (error: NonNullable<SendResult['error']>, durationMs = 0): Prepared => ({
    ok: false,
    result: { startedAt, durationMs, responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error },
  });
  const allowPrivate = deps.config.delivery.allowPrivateTargets;
  const syntax = checkUrlSyntax(webhook.url, { allowPrivate });
  if (!syntax.ok) return nothingSent({ kind: 'blocked', message: syntax.message });
  let url = webhook.url;
  let method = webhook.http_method;
  let transformed: { body: string; headers: Record<string, string> } | undefined;
  if (webhook.transformation !== null && engine) {
    const body = eventBody(target.event);
    const t0 = performance.now();
    const r = runTransform(engine, webhook.transformation, body, nowMs);
    if (r.kind === 'cancel') return { ok: false, cancel: true };
    if (r.kind === 'error') return nothingSent({ kind: 'transform', message: r.message }, Math.round(performance.now() - t0));
    if (r.url !== undefined) {
      const changed = checkUrlSyntax(r.url, { allowPrivate });
      if (!changed.ok) return nothingSent({ kind: 'transform', message: `transformation's ${changed.message}` });
      url = r.url;
    }
    method = r.method ?? method;
    transformed = { body: r.body ?? body, headers: r.headers ?? {} };
  }
  const request = prepareRequest(target, nowMs, deps.config.encryptionKeys, transformed);
  if (!request.ok) {
    // Key errors are the operator's to fix: say so in the worker's log (ids only, never key or secret bytes).
    if (request.keyError)
      deps.log.error('signing secret cannot be decrypted; delivery fails', { webhookId: webhook.id, reason: request.message });
    return nothingSent({ kind: 'invalid', message: request.message });
  }
  let auth: ReceiverCredentials | null = null;
  let ownProxy: string | null = null;
  try {
    if (webhook.auth) auth = openReceiverAuth(deps.config.encryptionKeys, webhook.id, webhook.auth);
    if (webhook.egress_proxy) ownProxy = openEgressProxy(deps.config.encryptionKeys, webhook.id, webhook.egress_proxy);
  } catch (err) {
    // Like a signing secret's: the stored data's fault (a missing key, a malformed value), not worth retrying.
    const message = err instanceof SecretKeyError ? err.message : `receiver credentials of webhook ${webhook.id} are malformed`;
    deps.log.error('receiver credentials cannot be opened; delivery fails', { webhookId: webhook.id, reason: message });
    return nothingSent({ kind: 'invalid', message });
  }
  return { ok: true, url, method, headers: request.headers, body: request.body, auth, ownProxy };
}
