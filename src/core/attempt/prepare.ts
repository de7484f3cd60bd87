import { prepareRequest } from './prepare-request.js';
import type { SendResult } from '../../delivery/types.js';
import { checkUrlSyntax } from '../../security/url-safety.js';
import type { Ready } from './admit.js';
import type { AttemptDeps } from './attempt-deps.js';

/** A request ready to send, or the result of an attempt that sent nothing (a blocked target, a data error). */
export type Prepared = { ok: true; headers: Record<string, string>; body: string } | { ok: false; result: SendResult };

/**
 * The prepare stage: the URL's static rules again (config or stored data may have changed since
 * the webhook was saved), then body, signatures and headers from the stored rows
 * (prepare-request.ts). In memory only; what fails here is the data's fault and is never retried.
 */
export function prepare(deps: AttemptDeps, target: Ready, nowMs: number): Prepared {
  const { webhook } = target;
  const startedAt = new Date(nowMs).toISOString();
  const nothingSent = (error: NonNullable<SendResult['error']>): Prepared => ({
    ok: false,
    result: { startedAt, durationMs: 0, responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error },
  });
  const syntax = checkUrlSyntax(webhook.url, { allowPrivate: deps.config.delivery.allowPrivateTargets });
  if (!syntax.ok) return nothingSent({ kind: 'blocked', message: syntax.message });
  const request = prepareRequest(target, nowMs, deps.config.encryptionKeys);
  if (!request.ok) {
    // Key errors are the operator's to fix: say so in the worker's log (ids only, never key or secret bytes).
    if (request.keyError)
      deps.log.error('signing secret cannot be decrypted; delivery fails', { webhookId: webhook.id, reason: request.message });
    return nothingSent({ kind: 'invalid', message: request.message });
  }
  return { ok: true, headers: request.headers, body: request.body };
}
