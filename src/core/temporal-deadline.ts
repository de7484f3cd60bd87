import type { Client } from '@temporalio/client';

/** How long past its deadline a call may run before the backstop timer gives up on it, ms. */
export const DEADLINE_BACKSTOP_MS = 500;

/**
 * Thrown by withTemporalDeadline when its deadline ended `fn`: a call failed on it (the client
 * connection says DEADLINE_EXCEEDED, the worker's NativeConnection CANCELLED), or `fn` was still
 * running DEADLINE_BACKSTOP_MS after it. Means "Temporal did not answer in time".
 */
export class TemporalDeadlineError extends Error {
  readonly code = 'HERALD_TEMPORAL_DEADLINE';
  constructor(
    readonly timeoutMs: number,
    cause?: unknown,
  ) {
    super(`Temporal did not answer within ${timeoutMs} ms`, { cause });
    this.name = 'TemporalDeadlineError';
  }
}

// gRPC statuses a call ended by its deadline fails with.
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;

/** True when the error (or a cause, at most 6 deep) carries a numeric gRPC status CANCELLED or DEADLINE_EXCEEDED. */
function endedByDeadline(err: unknown): boolean {
  let e = err;
  for (let depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === GRPC_CANCELLED || code === GRPC_DEADLINE_EXCEEDED) return true;
  }
  return false;
}

/**
 * Runs `fn` with every Temporal call in it (on `temporal`'s connection, client or native) under
 * one deadline `timeoutMs` from now, as the SDK recommends, and rejects at the latest
 * DEADLINE_BACKSTOP_MS after it. Work abandoned by the backstop may still finish later: only
 * idempotent work (deterministic workflow ids) belongs here.
 */
export async function withTemporalDeadline<T>(temporal: Client, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const work = temporal.withDeadline(deadline, fn).catch((err: unknown) => {
    throw Date.now() >= deadline && endedByDeadline(err) ? new TemporalDeadlineError(timeoutMs, err) : err;
  });
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TemporalDeadlineError(timeoutMs)), timeoutMs + DEADLINE_BACKSTOP_MS);
  });
  try {
    return await Promise.race([work, backstop]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
