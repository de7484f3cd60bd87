import { fileURLToPath } from 'node:url';
import { createTraceState, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { hrTimeDuration, millisToHrTime } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { HeraldConfig } from '../config.js';
import type { WorkflowSpan } from '../temporal/workflow-span.js';

/**
 * OpenTelemetry traces, off unless HERALD_OTEL_ENABLED: one trace per publish, from the API's
 * procedure span through the workflow start (client interceptor), the workflow run and its
 * attempt (workflow interceptors, exported through a sink), the attempt activity (activity
 * interceptor) to the outbound HTTP request (`withHttpSpan`). Spans go to OTLP/HTTP (JSON) at
 * `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. Off, nothing here is loaded into the workflow bundle
 * and every helper is a no-op. Workflow spans are built from the replay-safe workflow clock and
 * leave no command in history: the interceptors only add headers and sink calls.
 */
interface Tracing {
  provider: NodeTracerProvider;
  processor: SpanProcessor;
  resource: Resource;
  tracer: Tracer;
  shutdown: () => Promise<void>;
}

let current: Tracing | undefined;

/** Starts tracing for this process when the config asks for it (idempotent); undefined when off. */
export function startTracing(config: HeraldConfig): Tracing | undefined {
  if (!config.observability.otelEnabled) return undefined;
  if (current) return current;
  const resource = new Resource({ 'service.name': config.observability.serviceName });
  const exporter = new OTLPTraceExporter({ url: `${config.observability.otlpEndpoint}/v1/traces` });
  const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register(); // the AsyncLocalStorage context manager and W3C propagation
  const tracer = provider.getTracer('herald');
  current = {
    provider,
    processor,
    resource,
    tracer,
    shutdown: async () => {
      if (current?.provider !== provider) return;
      current = undefined;
      await provider.shutdown().catch(() => undefined);
      trace.disable();
    },
  };
  return current;
}

/** Whether this process traces now (createHerald shuts tracing down only if it turned it on). */
export function tracingOn(): boolean {
  return current !== undefined;
}

/** Sends every finished span now (tests; shutdown does it too). */
export async function flushTracing(): Promise<void> {
  await current?.provider.forceFlush();
}

/** Client interceptors that put the active trace context into workflow start headers; undefined when off. */
export function temporalClientInterceptors(config: HeraldConfig): ClientInterceptors | undefined {
  const t = startTracing(config);
  if (!t) return undefined;
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: t.tracer })] };
}

/** Herald's workflow interceptors (plain span data to a sink; see the module for why not the SDK's). */
export const TRACE_INTERCEPTORS_PATH = fileURLToPath(new URL('../workflows/trace-interceptors.ts', import.meta.url));

/** Modules the workflow bundle must include for workflow spans (none when tracing is off). */
export function workflowInterceptorModules(config: HeraldConfig): string[] {
  return config.observability.otelEnabled ? [TRACE_INTERCEPTORS_PATH] : [];
}

const WORKFLOW_SCOPE = { name: '@temporalio/interceptor-workflow' };

/** One sandbox span as the ReadableSpan OpenTelemetry's processors and exporters take. */
export function readableWorkflowSpan(info: WorkflowInfo, s: WorkflowSpan, resource: Resource): ReadableSpan {
  const spanContext = {
    traceId: s.traceId,
    spanId: s.spanId,
    traceFlags: s.traceFlags,
    ...(s.traceState ? { traceState: createTraceState(s.traceState) } : {}),
  };
  const startTime = millisToHrTime(s.startMs);
  const endTime = millisToHrTime(Math.max(s.endMs, s.startMs));
  return {
    name: s.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => spanContext,
    parentSpanId: s.parentSpanId,
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: s.error === undefined ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: s.error },
    attributes: { temporalWorkflowId: info.workflowId, run_id: info.runId, temporalWorkflowType: info.workflowType },
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationLibrary: WORKFLOW_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** The `heraldTrace` sink of workflows/trace-interceptors.ts: sandbox spans to `processor` (not called during replay). */
export function workflowTraceSinks(
  processor: SpanProcessor,
  resource: Resource,
): InjectedSinks<{ heraldTrace: { export(spans: WorkflowSpan[]): void } }> {
  return {
    heraldTrace: {
      export: {
        fn: (info, spans) => {
          for (const s of spans) processor.onEnd(readableWorkflowSpan(info, s, resource));
        },
      },
    },
  };
}

/**
 * Worker options for tracing: the activity interceptors (local activities included) and the sink
 * that exports workflow spans. The workflow interceptors are in the bundle, which the worker
 * always gets pre-built with `workflowInterceptorModules(config)` (worker/bundle-workflows.ts).
 */
export function tracingWorkerOptions(config: HeraldConfig): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const t = startTracing(config);
  if (!t) return {};
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: t.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: workflowTraceSinks(t.processor, t.resource),
  };
}

/** Runs `fn` in an active span when tracing is on; otherwise just runs it. */
export async function withSpan<T>(name: string, kind: SpanKind, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  const t = current;
  if (!t) return fn(undefined);
  return t.tracer.startActiveSpan(name, { kind }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

export { SpanKind, SpanStatusCode };
