/**
 * Request limit per API key (and, with a second instance, per team): a fixed one-minute window
 * per name, kept in this API process (N API processes allow up to N × the limit). The figures
 * follow api.video's headers: X-RateLimit-Limit (per minute), X-RateLimit-Remaining and
 * X-RateLimit-Retry-After (seconds).
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

export function createApiRateLimiter(limitPerMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  let lastPrune = -Infinity;
  const windowOf = (key: string, t: number) => {
    let w = windows.get(key);
    if (!w || t - w.start >= 60_000) {
      w = { start: t, count: 0 };
      windows.set(key, w);
      // Keep memory bounded: drop windows that have expired, in a full pass at most once a second.
      if (windows.size > 10_000 && t - lastPrune >= 1_000) {
        lastPrune = t;
        for (const [k, v] of windows) if (t - v.start >= 60_000) windows.delete(k);
      }
    }
    return w;
  };
  const decide = (key: string, cost: number, take: boolean): RateDecision => {
    const t = now();
    const w = windowOf(key, t);
    const allowed = w.count + cost <= limitPerMinute;
    if (allowed && take) w.count += cost;
    return {
      allowed,
      limit: limitPerMinute,
      remaining: Math.max(0, limitPerMinute - w.count),
      retryAfterSeconds: Math.max(0, Math.ceil((w.start + 60_000 - t) / 1000)),
    };
  };
  return {
    /** Takes `cost` requests (a tRPC batch costs one per call) from `key`'s window if they all fit; a refusal takes none. */
    check: (key: string, cost = 1): RateDecision => decide(key, cost, true),
    /** The decision `check` would make, without taking anything. */
    peek: (key: string, cost = 1): RateDecision => decide(key, cost, false),
  };
}
export type ApiRateLimiter = ReturnType<typeof createApiRateLimiter>;
