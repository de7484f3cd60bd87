import type { Client } from '@temporalio/client';

/** How long past its deadline a call may run before the backstop timer gives up on it, ms. */
export const DEADLINE_BACKSTOP_MS = 500;

/**
 * Thrown by withTemporalDeadline when `fn` is still running DEADLINE_BACKSTOP_MS after its
 * deadline (every gRPC call inside carries the deadline itself, so this only fires if something
 * in between does not honour it). Counts as "Temporal did not answer", like DEADLINE_EXCEEDED.
 */
export class TemporalDeadlineError extends Error {
  readonly code = 'HERALD_TEMPORAL_DEADLINE';
  constructor(readonly timeoutMs: number) {
    super(`Temporal did not answer within ${timeoutMs} ms`);
    this.name = 'TemporalDeadlineError';
  }
}

/**
 * Runs `fn` with every Temporal call in it (on `temporal`'s connection, client or native) under
 * one deadline `timeoutMs` from now, as the SDK recommends, and rejects at the latest
 * DEADLINE_BACKSTOP_MS after it. Work abandoned by the backstop may still finish later: only
 * idempotent work (deterministic workflow ids) belongs here.
 */
export async function withTemporalDeadline<T>(temporal: Client, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const work = temporal.withDeadline(Date.now() + timeoutMs, fn);
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
