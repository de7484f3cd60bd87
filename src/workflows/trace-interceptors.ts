import {
  ContinueAsNew,
  defaultPayloadConverter,
  type Next,
  proxySinks,
  type Sinks,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';
import type { Headers } from '@temporalio/common';
import { spanIdFor, TRACE_HEADER, traceIdFor, type TraceParent, type WorkflowSpan } from '../temporal/workflow-span.js';

/**
 * Herald's workflow interceptors for HERALD_OTEL_ENABLED (bundled only then): the RunWorkflow,
 * HandleSignal and Start* spans of a delivery, as plain data handed to the `heraldTrace` sink,
 * which builds and exports the OpenTelemetry spans outside the sandbox (observability/tracing.ts).
 *
 * Why not the SDK's `@temporalio/interceptors-opentelemetry` workflow interceptors: the reusable
 * workflow VM evaluates every non-preloaded module once per workflow, so each delivery evaluated
 * the OpenTelemetry API and SDK afresh and kept an AsyncLocalStorage of its own enabled while it
 * stayed in the worker's cache (up to 200), and Node runs every enabled AsyncLocalStorage on every
 * promise the whole process creates. This module imports no OpenTelemetry code and keeps no
 * async context: a workflow's outbound calls are children of its run span.
 *
 * Contract: no command, no yield and no workflow randomness is added (span ids are hashed from the
 * run id and a counter), so every recorded history replays the same with and without it; sinks
 * are not called during replay, so a span is exported once. Header format and span names are the
 * SDK's, so the client and activity interceptors on either side connect to these spans.
 */
interface TraceSinks extends Sinks {
  heraldTrace: { export(spans: WorkflowSpan[]): void };
}

const { heraldTrace } = proxySinks<TraceSinks>();

function parentFrom(headers: Headers): TraceParent | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string; tracestate?: string }>(payload);
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(carrier?.traceparent ?? '');
  if (!m) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: Number.parseInt(m[3]!, 16), traceState: carrier.tracestate };
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const info = workflowInfo();
  let counter = 0;
  let run: TraceParent | undefined;

  const open = (name: string, parent: TraceParent | undefined): WorkflowSpan => ({
    name,
    traceId: parent?.traceId ?? traceIdFor(info.runId),
    spanId: spanIdFor(info.runId, ++counter),
    parentSpanId: parent?.spanId,
    traceFlags: parent?.traceFlags ?? 1,
    traceState: parent?.traceState,
    startMs: Date.now(),
    endMs: 0,
  });

  /** Runs `fn` as `span`: its end time and error, then exports it (sinks are skipped in replay). */
  async function within<T>(span: WorkflowSpan, fn: () => Promise<T>, acceptable?: (err: unknown) => boolean): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!acceptable?.(err)) span.error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      span.endMs = Date.now();
      heraldTrace.export([span]);
    }
  }

  /** A Start* span for an outbound call, its context put into the call's headers. */
  function outbound<I extends { headers: Headers }, T>(
    name: string,
    input: I,
    next: (input: I) => Promise<T>,
    acceptable?: (err: unknown) => boolean,
  ) {
    const span = open(name, run);
    const traceparent = `00-${span.traceId}-${span.spanId}-0${span.traceFlags.toString(16)}`;
    const carrier = span.traceState ? { traceparent, tracestate: span.traceState } : { traceparent };
    const headers = { ...input.headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
    return within(span, () => next({ ...input, headers }), acceptable);
  }

  const isContinueAsNew = (err: unknown) => err instanceof ContinueAsNew;

  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input, next) {
      const span = open(`RunWorkflow:${info.workflowType}`, parentFrom(input.headers));
      run = span;
      return within(span, () => next(input), isContinueAsNew);
    },
    handleSignal(input, next) {
      return within(open(`HandleSignal:${input.signalName}`, parentFrom(input.headers) ?? run), () => next(input));
    },
  };

  const outboundCalls: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => outbound(`StartActivity:${input.activityType}`, input, next),
    scheduleLocalActivity: (input, next) => outbound(`StartActivity:${input.activityType}`, input, next),
    startChildWorkflowExecution: (input, next) => outbound(`StartChildWorkflow:${input.workflowType}`, input, next),
    signalWorkflow: (input, next) => outbound(`SignalWorkflow:${input.signalName}`, input, next),
    continueAsNew: (input, next) => outbound(`ContinueAsNew:${input.options.workflowType}`, input, next, isContinueAsNew),
    getLogAttributes(input, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) {
      return run ? next({ trace_id: run.traceId, span_id: run.spanId, ...input }) : next(input);
    },
  };

  return { inbound: [inbound], outbound: [outboundCalls] };
};
