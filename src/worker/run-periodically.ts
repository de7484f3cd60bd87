import type { Logger } from '../log.js';

/**
 * Runs `task` every `everyMs` until the returned stop function is called. A run never overlaps
 * the previous one, and a failed run is logged as `failedMsg` and retried at the next tick,
 * never thrown. The timer does not keep the process alive.
 */
export function runPeriodically(task: () => Promise<void>, everyMs: number, log: Logger, failedMsg: string): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((err) => log.warn(failedMsg, { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
