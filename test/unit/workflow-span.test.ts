import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import type { WorkflowInfo } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { readableWorkflowSpan } from '../../src/observability/tracing.js';
import { spanIdFor, traceIdFor, type WorkflowSpan } from '../../src/temporal/workflow-span.js';

describe('span ids made in the workflow sandbox', () => {
  it('are 16 hex digits, the same for the same run and counter, and differ by counter and run', () => {
    const a = spanIdFor('run-a', 1);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdFor('run-a', 1)).toBe(a);
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => spanIdFor('run-a', i + 1)));
    expect(ids.size).toBe(1000);
    expect(spanIdFor('run-b', 1)).not.toBe(a);
  });

  it('give a run without a trace context a 32-hex-digit trace id of its own', () => {
    expect(traceIdFor('run-a')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdFor('run-a')).toBe(traceIdFor('run-a'));
    expect(traceIdFor('run-b')).not.toBe(traceIdFor('run-a'));
  });
});

describe('a sandbox span turned into an OpenTelemetry span', () => {
  const info = { workflowId: 'delivery:e1:w1', runId: 'r1', workflowType: 'deliveryWorkflowV2' } as WorkflowInfo;
  const resource = new Resource({ 'service.name': 'herald-test' });
  const base: WorkflowSpan = {
    name: 'RunWorkflow:deliveryWorkflowV2',
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: 'c'.repeat(16),
    traceFlags: 1,
    startMs: 1_700_000_000_123,
    endMs: 1_700_000_000_623,
  };

  it('keeps its ids, parent, times and the workflow’s identity, and is OK without an error', () => {
    const s = readableWorkflowSpan(info, base, resource);
    expect(s.spanContext()).toEqual({ traceId: base.traceId, spanId: base.spanId, traceFlags: 1 });
    expect(s.parentSpanId).toBe(base.parentSpanId);
    expect(s.kind).toBe(SpanKind.INTERNAL);
    expect(s.startTime).toEqual([1_700_000_000, 123_000_000]);
    expect(s.duration).toEqual([0, 500_000_000]);
    expect(s.status).toEqual({ code: SpanStatusCode.OK });
    expect(s.attributes).toEqual({ temporalWorkflowId: 'delivery:e1:w1', run_id: 'r1', temporalWorkflowType: 'deliveryWorkflowV2' });
    expect(s.resource).toBe(resource);
  });

  it('carries the error message as an ERROR status, and the trace state when there is one', () => {
    const s = readableWorkflowSpan(info, { ...base, error: 'boom', traceState: 'k=v' }, resource);
    expect(s.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(s.spanContext().traceState?.get('k')).toBe('v');
  });
});
