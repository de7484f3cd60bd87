import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities/create-activities.js';
import type { HeraldConfig } from '../config.js';
import type { Logger } from '../log.js';
import { tracingWorkerOptions, workflowInterceptorModules } from '../observability/tracing.js';
import { bundleWorkflowsInChild } from './bundle-workflows.js';

/**
 * Workflows kept in memory between tasks, and the most workflow tasks in progress at once (the
 * SDK caps the second by the first). Attempts are local activities, so a task stays in progress
 * while its attempt runs: this is also how many attempts run at once per worker. A parked
 * delivery need not stay cached: replaying its short history when its timer fires is cheap,
 * while each cached workflow costs worker memory (bench: 1,000 parked grew RSS by 269 MiB with
 * a 2,000-workflow cache).
 */
const MAX_CACHED_WORKFLOWS = 200;

/** Workflow-task polls open at once: autoscaled between these (the SDK's own maximum default). */
const WORKFLOW_POLLS = { minimum: 4, initial: 20, maximum: 100 } as const;

const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface HeraldWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** heraldWorkflowBundle()'s, or one built by a test once per file; with tracing on, built with workflowInterceptorModules(config). */
  workflowBundle: WorkerOptions['workflowBundle'];
  /** Most workflow tasks (and so attempts) in progress at once; default 200. Tests use 2 (the least with a cache) to see dispatch order. */
  maxConcurrentWorkflowTasks?: number;
}

/**
 * A worker runs both workflows and activities. Concurrency is bounded so a burst of
 * deliveries cannot exhaust sockets or memory; raise it with more worker processes.
 */
export async function createHeraldWorker(opts: HeraldWorkerOptions): Promise<Worker> {
  // Read by the workflow threads the SDK starts (they copy process.env when created); see
  // patches/@temporalio+worker+1.24.0.patch.
  process.env.TEMPORAL_WORKFLOW_STACK_TRACES = String(opts.deps.config.temporal.workflowStackTraces);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    workflowBundle: opts.workflowBundle,
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTasks ?? MAX_CACHED_WORKFLOWS,
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    // Pollers scale with the server's backlog hints. The SDK's default, 10 fixed polls of which
    // only 2 take new workflows (the rest the sticky queue), let a backlog of 1,656 new workflow
    // tasks build in the server's queue while 145+ of 200 slots stood free (noisy-neighbour
    // chaos, chaos/results/2026-11-26-fairness.md); a team's turn under fairness is worth
    // little if the queue drains that slowly.
    workflowTaskPollerBehavior: {
      type: 'autoscaling',
      minimum: WORKFLOW_POLLS.minimum,
      initial: WORKFLOW_POLLS.initial,
      maximum: WORKFLOW_POLLS.maximum,
    },
    // The SDK's debugMode does exactly one thing besides the deadlock timeout (set below): it runs
    // workflows in this thread instead of a worker thread, which saves the structured-clone copy
    // of every activation and completion (postMessage), ~1 ms of CPU per delivery here. Stack
    // traces need the thread: their promise hook would otherwise watch every promise of this one.
    debugMode: !(opts.deps.config.temporal.workflowThread || opts.deps.config.temporal.workflowStackTraces),
    // Not in the SDK's public options type, but honoured (and 0 made legal by
    // patches/@temporalio+worker+1.24.0.patch): 0 skips the watchdog thread Node starts per call.
    ...({ isolateExecutionTimeout: opts.deps.config.temporal.workflowDeadlockTimeoutMs } as Partial<WorkerOptions>),
    // HERALD_OTEL_ENABLED only: activity interceptors and the workflow span sink (the workflow
    // interceptors are in the bundle). Off, the bundle holds no interceptor module at all.
    ...tracingWorkerOptions(opts.deps.config),
  });
}

/**
 * Herald's workflow bundle, built off the worker's heap (bundle-workflows.ts); with tracing on it
 * holds the OTel workflow interceptors. createHerald starts it first, so it builds while the rest
 * comes up.
 */
export function heraldWorkflowBundle(config: HeraldConfig, log: Logger): Promise<{ code: string }> {
  return bundleWorkflowsInChild({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: workflowInterceptorModules(config),
    onWarning: (message) => log.warn('workflow bundle', { message }),
  });
}

export { WORKFLOWS_PATH };
