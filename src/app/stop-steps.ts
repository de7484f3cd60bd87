import type { Logger } from '../log.js';
import { within } from './within.js';

/** Default bound of one stop step, ms. */
const STEP_MS = 10_000;

/**
 * What to undo, pushed as each part comes up and run newest first: a step that fails or overruns
 * its bound is logged and the rest still run. `run()` runs each step once, however often called.
 */
export function createStopSteps(log: Logger) {
  const steps: { what: string; fn: () => Promise<unknown>; ms: number }[] = [];
  const bounded = async (p: Promise<unknown> | undefined, ms: number, what: string) => {
    if (p)
      await within(p, ms, what).catch((err) =>
        log.warn('stop step failed', { step: what, error: err instanceof Error ? err.message : String(err) }),
      );
  };
  return {
    push(what: string, fn: () => Promise<unknown>, ms = STEP_MS) {
      steps.push({ what, fn, ms });
    },
    bounded,
    async run() {
      for (let step = steps.pop(); step; step = steps.pop()) await bounded(Promise.resolve().then(step.fn), step.ms, step.what);
    },
  };
}
