/**
 * One HTTP delivery attempt. Never throws for network trouble: every failure becomes an
 * AttemptError so the retry policy can switch on its kind.
 */
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { KEPT_RESPONSE_HEADERS } from '../../delivery/types.js';
import type { AttemptError, AttemptErrorKind, SendResult } from '../../delivery/types.js';

export interface SendRequest {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: string;
  /** Budget for the whole attempt: connect, headers and body read. */
  timeoutMs: number;
  /** Response body bytes kept; reading stops (and the connection is dropped) beyond this. */
  maxResponseBytes: number;
}

const MAX_MESSAGE_CHARS = 200;

const CODE_KINDS: Record<string, AttemptErrorKind> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ECONNREFUSED: 'connect',
  // The egress proxy refused or botched CONNECT (egress-tunnel.ts): the receiver was never reached.
  EHERALDPROXY: 'connect',
  EHOSTUNREACH: 'connect',
  ENETUNREACH: 'connect',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
};

function kindOf(e: { code?: unknown; name?: unknown; message?: unknown }): AttemptErrorKind | undefined {
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'EHERALDBLOCKED') return 'blocked';
  const byCode = CODE_KINDS[code];
  if (byCode) return byCode;
  if (/^(ERR_TLS|ERR_SSL|CERT_)/.test(code)) return 'tls';
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'timeout';
  if (typeof e.message === 'string' && e.message.includes('other side closed')) return 'reset';
  return undefined;
}

/** The error and everything it wraps (`cause`, AggregateError `errors`), outermost first. */
function chain(err: unknown): object[] {
  const out: object[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e)) continue;
    out.push(e);
    const { cause, errors } = e as { cause?: unknown; errors?: unknown };
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return out;
}

/**
 * Maps a thrown value to an AttemptError. A blocked address anywhere in the chain wins, so
 * a wrapped guard refusal is never reported as an ordinary connect failure. The message is
 * the matched error's own one-line text, capped; it never carries request headers or body.
 */
export function classifyNetworkError(err: unknown): AttemptError {
  const errs = chain(err);
  let match: { kind: AttemptErrorKind; e: object } | undefined;
  for (const e of errs) {
    const kind = kindOf(e);
    if (kind === 'blocked') return { kind, message: messageOf(e) };
    if (kind && !match) match = { kind, e };
  }
  if (match) return { kind: match.kind, message: messageOf(match.e) };
  return { kind: 'other', message: messageOf(errs[0] ?? { message: String(err) }) };
}

function messageOf(e: { code?: unknown; name?: unknown; message?: unknown }): string {
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const text = typeof e.message === 'string' && e.message !== '' ? e.message : code;
  const line = (text.startsWith(code) ? text : `${code}: ${text}`).replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE_CHARS ? line.slice(0, MAX_MESSAGE_CHARS - 1) + '…' : line;
}

function keptHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/**
 * Sends one request and never follows redirects (a 3xx is an ordinary non-2xx result).
 * Result shapes: no statusCode + error — nothing usable arrived; statusCode without error —
 * a complete response (body possibly capped); statusCode + error — the status arrived but
 * the body read then failed (reset or timeout); what was read is kept.
 */
export async function sendAttempt(
  dispatcher: Dispatcher,
  req: SendRequest,
  nowIso: () => string = () => new Date().toISOString(),
): Promise<SendResult> {
  const startedAt = nowIso();
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    const error = classifyNetworkError(err);
    return { startedAt, durationMs: elapsed(), responseHeaders: {}, responseBody: '', responseBodyTruncated: false, error };
  }

  const cap = Math.max(0, req.maxResponseBytes);
  const decoder = new StringDecoder('utf8');
  let responseBody = '';
  let kept = 0;
  let responseBodyTruncated = false;
  let error: AttemptError | undefined;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = cap - kept;
      if (chunk.length > room) {
        // Decoding without end() drops a multi-byte character split by the cap.
        responseBody += decoder.write(chunk.subarray(0, room));
        kept = cap;
        responseBodyTruncated = true;
        break;
      }
      responseBody += decoder.write(chunk);
      kept += chunk.length;
    }
    if (!responseBodyTruncated) responseBody += decoder.end();
  } catch (err) {
    error = classifyNetworkError(err);
    responseBodyTruncated = true;
  } finally {
    // Drops the connection instead of draining an oversized or endless body.
    if (!res.body.destroyed) res.body.destroy();
  }
  return {
    startedAt,
    durationMs: elapsed(),
    statusCode: res.statusCode,
    responseHeaders: keptHeaders(res.headers),
    responseBody,
    responseBodyTruncated,
    ...(error ? { error } : {}),
  };
}

/**
 * A dispatcher for deliveries (worker/create-activity-deps.ts makes one per team). `lookup` goes to the socket connect, so only
 * addresses it approves are dialled (note: Node skips lookup for IP-literal hosts).
 */
export function createDeliveryAgent(opts: { lookup?: (...args: any[]) => void; connections?: number }): Agent {
  return new Agent({
    connect: { timeout: 10_000, ...(opts.lookup ? { lookup: opts.lookup } : {}) },
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
  });
}
