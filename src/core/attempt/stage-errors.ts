/**
 * An attempt's failures, typed by the stage they happened in. Receiver failures are results,
 * never errors (classify → decide); these are infrastructure failures (PostgreSQL, Temporal),
 * thrown so that the attempt activity is retried, and what a retry means depends on the stage:
 * - PreDeliveryError (admit, prepare): nothing was sent; a retry starts afresh;
 * - AttemptError (send): the request may or may not have reached the receiver;
 * - PostDeliveryError (record, effects): the request was sent and answered; a retry sends it
 *   again (at least once) and rewrites the same attempt record (idempotent per run and attempt).
 * The original error is the `cause` (db/infra-errors.ts classifies it by type and code).
 */
abstract class StageError extends Error {
  abstract readonly stage: 'pre-delivery' | 'attempt' | 'post-delivery';
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = new.target.name;
  }
}

export class PreDeliveryError extends StageError {
  readonly stage = 'pre-delivery';
}
export class AttemptError extends StageError {
  readonly stage = 'attempt';
}
export class PostDeliveryError extends StageError {
  readonly stage = 'post-delivery';
}

/** Runs `fn`, rethrowing its error as `Err` (one already typed by stage passes as it is). */
export async function inStage<T>(Err: new (what: string, cause: unknown) => StageError, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof StageError ? err : new Err(what, err);
  }
}
