import type { WorkerOptions } from '@temporalio/worker';
import type { HeraldConfig } from '../../src/config.js';

/**
 * The Worker settings of Herald's worker (src/worker/create-worker.ts), from the same config:
 * cache, slots, pollers, debugMode (workflows on the main thread) and the deadlock timeout.
 * Everything but what is Herald's own (activities, workflows, tracing interceptors). A unit test
 * (test/unit/bench-floor.test.ts) holds these equal to what createHeraldWorker passes.
 */
export function floorWorkerOptions(config: HeraldConfig): Partial<WorkerOptions> {
  const t = config.temporal;
  return {
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 200,
    maxCachedWorkflows: 200,
    workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 4, initial: 20, maximum: 100 },
    debugMode: !(t.workflowThread || t.workflowStackTraces),
    // Not in the public type; honoured (patches/@temporalio+worker+1.24.0.patch), as in Herald.
    ...({ isolateExecutionTimeout: t.workflowDeadlockTimeoutMs } as Partial<WorkerOptions>),
  };
}
