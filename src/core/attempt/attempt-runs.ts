import type { AttemptOutcome } from './attempt-types.js';

/**
 * The attempts one worker process has in progress, by (delivery, workflow run, attempt number).
 * A local activity runs again when its workflow task is lost (on a loaded box the task's
 * keep-alive can come back after the 10 s task timeout) while its first run may still be in
 * progress in this process. The second run joins the first and answers its outcome, so the
 * receiver gets one request. A re-run after the first one recorded finds that record instead
 * (load-target.ts); one on another worker while the first is still in flight is sent again
 * (at least once).
 */
export class AttemptRuns {
  private readonly running = new Map<string, Promise<AttemptOutcome>>();

  /** Runs `run` for this attempt, or answers the run of it already in progress here. */
  join(key: AttemptKey, run: () => Promise<AttemptOutcome>): Promise<AttemptOutcome> {
    const id = idOf(key);
    const inProgress = this.running.get(id);
    if (inProgress) return inProgress;
    const started = run().finally(() => this.running.delete(id));
    this.running.set(id, started);
    return started;
  }

  /** True while a run of this attempt is in progress here. */
  has(key: AttemptKey): boolean {
    return this.running.has(idOf(key));
  }
}

export interface AttemptKey {
  deliveryId: string;
  runId: string;
  attempt: number;
}

const idOf = (k: AttemptKey) => `${k.deliveryId}\u0000${k.runId}\u0000${k.attempt}`;
