import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DefaultLogger, type ReplayResult, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { workflowInterceptorModules, workflowTraceSinks } from '../../src/observability/tracing.js';
import { bundleWorkflowsInChild } from '../../src/worker/bundle-workflows.js';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { loadFixtures } from '../replay/fixtures.js';

/**
 * Turning tracing on (HERALD_OTEL_ENABLED) adds Herald's trace interceptors
 * (src/workflows/trace-interceptors.ts) to the bundle. They must not change any workflow's commands: every recorded history, all recorded
 * with tracing off, replays with them in. (workflow-replay.test.ts covers tracing off.)
 */
const fixtures = loadFixtures();

describe('recorded workflow histories replay with the OpenTelemetry workflow interceptors bundled', () => {
  const results = new Map<string, ReplayResult>();
  const modules = workflowInterceptorModules(loadConfig({ HERALD_OTEL_ENABLED: 'true' }));
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const workflowBundle = await bundleWorkflowsInChild({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: modules });
    const sinks = workflowTraceSinks(new SimpleSpanProcessor(new InMemorySpanExporter()), new Resource({ 'service.name': 'replay' }));
    const histories = fixtures.map((f) => ({ workflowId: f.name, history: f.history }));
    for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'herald-fixtures-traced', sinks }, histories))
      results.set(r.workflowId, r);
  }, 120_000);

  it('bundles exactly the one interceptor module when tracing is on, and none when off', () => {
    expect(modules).toHaveLength(1);
    expect(modules[0]).toMatch(/src[\\/]workflows[\\/]trace-interceptors\.ts$/);
    expect(workflowInterceptorModules(loadConfig({}))).toEqual([]);
  });

  it.each(fixtures.map((f) => f.name))('the %s history replays without a determinism error with tracing interceptors', (name) => {
    const r = results.get(name);
    expect(r, `replay result for ${name}`).toBeDefined();
    if (r!.error) throw r!.error;
  });
});
