import { sendAttempt } from './send-attempt.js';
import type { SendResult } from '../../delivery/types.js';
import { SpanKind, SpanStatusCode, withSpan } from '../../observability/tracing.js';
import { redactUrl } from '../../security/redact-url.js';
import type { Ready } from './admit.js';
import type { AttemptDeps } from './attempt-deps.js';
import { AttemptError, inStage } from './stage-errors.js';

/**
 * The send stage: one HTTP request (send-attempt.ts reports receiver and network failures as a
 * result, never by throwing) to the prepared URL (the webhook's, or its transformation's), inside the outbound request's span when tracing is on (the URL
 * redacted as in the Temporal UI), on the team's own HTTP agent (team-agents.ts).
 */
export async function send(
  deps: AttemptDeps,
  target: Ready,
  request: { url: string; method: 'POST' | 'PUT' | 'PATCH'; headers: Record<string, string>; body: string },
): Promise<SendResult> {
  const { webhook } = target;
  return inStage(AttemptError, 'attempt could not be sent', () =>
    withSpan(request.method, SpanKind.CLIENT, async (span) => {
      span?.setAttributes({ 'http.request.method': request.method, 'url.full': redactUrl(request.url) });
      const result = await sendAttempt(deps.agents.for(webhook.team_id), {
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: request.body,
        timeoutMs: deps.config.delivery.timeoutMs,
        maxResponseBytes: deps.config.delivery.responseBodyMaxBytes,
      });
      if (result.statusCode !== undefined) span?.setAttribute('http.response.status_code', result.statusCode);
      if (result.error) span?.setStatus({ code: SpanStatusCode.ERROR, message: result.error.kind });
      else if (result.statusCode !== undefined && result.statusCode >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    }),
  );
}
