import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Builds the workflow bundle (the SDK's bundleWorkflowCode: webpack and swc) in a short-lived
 * child process and hands back its code. Bundled in the worker's own process, as
 * `Worker.create({ workflowsPath })` does, webpack's modules and caches stay in the main heap for
 * the life of the process: ~20–28 MB of the ~87 MB live after a delivery burst (heap snapshot,
 * Node 20). Every full collection marks them again, under load and in the memory-reducing
 * collections V8 runs once traffic stops. In a child, they go when it exits; only the bundle's
 * text (~1.7 MB) comes back. (Not a worker thread: swc's native module crashes the process when
 * a second thread loads it after the first one ended.)
 */
export async function bundleWorkflowsInChild(opts: {
  workflowsPath: string;
  workflowInterceptorModules?: string[];
  /** The bundler's warnings and errors (webpack's), one message each. */
  onWarning?: (message: string) => void;
}): Promise<{ code: string }> {
  // An absolute URL, so the child (code given inline, no file of its own) finds this install's SDK.
  const sdk = pathToFileURL(createRequire(import.meta.url).resolve('@temporalio/worker')).href;
  const child = fork('-e', [CHILD_CODE], {
    // webpack compiles the TypeScript workflows itself: the child needs none of this process' loader flags.
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  // The bundler's error lines name what failed (webpack's "Module not found …"); its thrown error does not.
  const errors: string[] = [];
  return new Promise<{ code: string }>((resolve, reject) => {
    let settled = false;
    child.on('message', (m: { code?: string; error?: string; warning?: string; level?: string }) => {
      if (m.warning !== undefined) {
        if (m.level === 'error') errors.push(m.warning);
        return opts.onWarning?.(m.warning);
      }
      settled = true;
      if (typeof m.code === 'string') resolve({ code: m.code });
      else reject(new Error(`workflow bundle failed: ${[...errors, m.error ?? 'no code returned'].join('\n')}`));
    });
    child.once('error', (err) => {
      settled = true;
      reject(err);
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`workflow bundle process exited (${signal ?? code}) without a bundle`));
    });
    child.send({ sdk, workflowsPath: opts.workflowsPath, workflowInterceptorModules: opts.workflowInterceptorModules ?? [] });
  }).finally(() => {
    // webpack may leave handles open; the child is done once it has answered.
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
}

const CHILD_CODE = `
const tell = (level) => (message) => process.send({ warning: String(message), level });
const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: tell('warn'), error: tell('error') };
process.once('message', (job) =>
  import(job.sdk)
    .then(({ bundleWorkflowCode }) =>
      bundleWorkflowCode({ workflowsPath: job.workflowsPath, workflowInterceptorModules: job.workflowInterceptorModules, logger }),
    )
    .then(
      (bundle) => process.send({ code: bundle.code }),
      (err) => process.send({ error: err && err.stack ? err.stack : String(err) }),
    ),
);
`;
