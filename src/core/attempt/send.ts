import { sendAttempt } from './send-attempt.js';
import type { SendResult } from '../../delivery/types.js';
import { SpanKind, SpanStatusCode, withSpan } from '../../observability/tracing.js';
import { staticAuthorization } from '../../security/receiver-auth.js';
import { redactUrl } from '../../security/redact-url.js';
import type { Ready } from './admit.js';
import type { AttemptDeps } from './attempt-deps.js';
import { egressRoute } from './egress.js';
import type { Prepared } from './prepare.js';
import { AttemptError, inStage } from './stage-errors.js';

type Request = Extract<Prepared, { ok: true }>;

/**
 * The send stage: one HTTP request (send-attempt.ts reports receiver and network failures as a
 * result, never by throwing) to the prepared URL (the webhook's, or its transformation's), inside the outbound request's span when tracing is on (the URL
 * redacted as in the Temporal UI), on the dispatcher egress.ts picks (the team's agent for a
 * webhook without a client certificate or a proxy of its own).
 *
 * Receiver auth (security/receiver-auth.ts) sets `Authorization` last, over custom and
 * transformation headers. For OAuth2 the token comes from the worker's cache (oauth-tokens.ts),
 * fetched through the same dispatcher; a failed fetch is the attempt's result (error kind
 * `auth`, nothing sent to the receiver), and a 401 answered to a cached token drops it and sends
 * once more with a fresh one, within the same attempt.
 */
export async function send(deps: AttemptDeps, target: Ready, request: Request): Promise<SendResult> {
  const { webhook } = target;
  const mtls = request.auth?.kind === 'mtls' ? request.auth : null;
  const route = egressRoute(deps.config.delivery.egressProxy, request.ownProxy, mtls, webhook.auth?.fingerprint ?? null);
  return inStage(AttemptError, 'attempt could not be sent', () =>
    withSpan(request.method, SpanKind.CLIENT, async (span) => {
      span?.setAttributes({ 'http.request.method': request.method, 'url.full': redactUrl(request.url) });
      const once = (authorization: string | undefined) =>
        sendAttempt(deps.egress.for(webhook.team_id, webhook.id, route), {
          url: request.url,
          method: request.method,
          headers: authorization === undefined ? request.headers : withAuthorization(request.headers, authorization),
          body: request.body,
          timeoutMs: deps.config.delivery.timeoutMs,
          maxResponseBytes: deps.config.delivery.responseBodyMaxBytes,
        });
      let result: SendResult;
      const auth = request.auth;
      if (auth?.kind === 'oauth2_client_credentials') {
        const key = { teamId: webhook.team_id, webhookId: webhook.id, fingerprint: webhook.auth?.fingerprint ?? '' };
        const token = () =>
          deps.oauthTokens.get(key, auth, deps.egress.for(webhook.team_id, webhook.id, route), {
            allowPrivate: deps.config.delivery.allowPrivateTargets,
          });
        let t = await token();
        if (!t.ok) return nothingSent(t.error, t.durationMs);
        result = await once(`Bearer ${t.token}`);
        if (result.statusCode === 401 && !t.fresh) {
          await deps.oauthTokens.invalidate(key, t.token);
          t = await token();
          if (!t.ok) return nothingSent(t.error, t.durationMs);
          result = await once(`Bearer ${t.token}`);
        }
      } else {
        result = await once(auth ? staticAuthorization(auth) : undefined);
      }
      if (result.statusCode !== undefined) span?.setAttribute('http.response.status_code', result.statusCode);
      if (result.error) span?.setStatus({ code: SpanStatusCode.ERROR, message: result.error.kind });
      else if (result.statusCode !== undefined && result.statusCode >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    }),
  );
}

/** `headers` with `authorization` set, whatever case a custom or transformation header spelled it in. */
function withAuthorization(headers: Record<string, string>, authorization: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'authorization') out[name] = value;
  out.authorization = authorization;
  return out;
}

function nothingSent(error: NonNullable<SendResult['error']>, durationMs: number): SendResult {
  return { startedAt: new Date().toISOString(), durationMs, responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error };
}
