/**
 * A span made inside the workflow sandbox, as plain data (workflows/trace-interceptors.ts makes
 * it; observability/tracing.ts turns it into an OpenTelemetry span and exports it). Pure: no
 * OpenTelemetry import, so the sandbox evaluates nothing more than this per workflow.
 */

/** The header the SDK's OpenTelemetry interceptors carry the W3C trace context in (a JSON payload of `{ traceparent, tracestate }`). */
export const TRACE_HEADER = '_tracer-data';

export interface TraceParent {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** W3C trace flags (1 = sampled). */
  traceFlags: number;
  traceState?: string;
}

export interface WorkflowSpan extends TraceParent {
  /** e.g. `RunWorkflow:deliveryWorkflowV2`, `StartActivity:attemptDelivery` (the SDK's names). */
  name: string;
  parentSpanId?: string;
  /** Workflow time (the task's clock), epoch milliseconds. */
  startMs: number;
  endMs: number;
  /** The message of the error the span's call ended with; absent when it succeeded. */
  error?: string;
}

/** FNV-1a over `text` from `seed`, as 8 hex digits: deterministic, so ids repeat on replay. */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The `n`th span id of a run (16 hex digits, never all zeros). */
export function spanIdFor(runId: string, n: number): string {
  const key = `${runId}:${n}`;
  const id = fnv1a(key, 0x811c9dc5) + fnv1a(key, 0x050c5d1f);
  return id === '0000000000000000' ? '0000000000000001' : id;
}

/** A trace id for a run started without a trace context (32 hex digits). */
export function traceIdFor(runId: string): string {
  return fnv1a(runId, 0x811c9dc5) + fnv1a(runId, 0x050c5d1f) + fnv1a(runId, 0x1b873593) + fnv1a(runId, 0x2f1d34a7);
}
