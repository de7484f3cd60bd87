import type { HeraldConfig } from '../config.js';
import { apiRequestDuration, eventsPublished } from './metrics.js';
import { SpanKind, SpanStatusCode, withSpan } from './tracing.js';

/** What a tRPC middleware's `next()` resolves to, as far as metrics care. */
interface CallResult {
  ok: boolean;
  data?: unknown;
  error?: { code?: string; message?: string };
}

/**
 * Times one procedure call (labels: procedure path, and `OK` or the tRPC error code, both from
 * fixed sets) and, with tracing on, runs it in a server span that becomes the trace's root. REST
 * routes generated from the same procedures pass through here too.
 */
export async function observeProcedure<R extends CallResult>(config: HeraldConfig, path: string, next: () => Promise<R>): Promise<R> {
  const metrics = config.observability.metricsEnabled;
  const startedNs = metrics ? process.hrtime.bigint() : 0n;
  const result = await withSpan(`trpc ${path}`, SpanKind.SERVER, async (span) => {
    span?.setAttributes({ 'rpc.system': 'trpc', 'rpc.method': path });
    const r = await next();
    if (!r.ok) span?.setStatus({ code: SpanStatusCode.ERROR, message: r.error?.code });
    return r;
  });
  if (metrics) {
    const code = result.ok ? 'OK' : (result.error?.code ?? 'INTERNAL_SERVER_ERROR');
    apiRequestDuration.observe({ procedure: path, code }, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }
  return result;
}

const SERVER_FAULTS = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'TIMEOUT']);

/** Counts one events.publish call: accepted, duplicate (same id again), rejected (caller's fault) or failed (ours). */
export function countPublish(config: HeraldConfig, result: CallResult): void {
  if (!config.observability.metricsEnabled) return;
  let label: string;
  if (result.ok) label = (result.data as { duplicate?: boolean } | undefined)?.duplicate ? 'duplicate' : 'accepted';
  else label = SERVER_FAULTS.has(result.error?.code ?? '') ? 'failed' : 'rejected';
  eventsPublished.inc({ result: label });
}
