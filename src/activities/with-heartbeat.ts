import { Context } from '@temporalio/activity';

/** First heartbeat after this long: fast attempts (the common case) send none at all. */
const HEARTBEAT_EVERY_MS = 3_000;

/**
 * Heartbeats while `fn` runs, so a worker that dies mid-attempt is noticed within the
 * heartbeat timeout instead of the whole start-to-close timeout.
 */
export async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  // Local activities have no heartbeat; the SDK keeps their workflow task alive instead.
  if (ctx.info.isLocal) return fn();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
