/**
 * Per-API-key request limit, a fixed one-minute window per key, kept in this API process
 * (N API processes allow up to N × the limit). The figures follow api.video's headers:
 * X-RateLimit-Limit (per minute), X-RateLimit-Remaining and X-RateLimit-Retry-After (seconds).
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
  return {
    check(key: string): RateDecision {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= 60_000) {
        w = { start: t, count: 0 };
        windows.set(key, w);
        // Keep memory bounded: drop windows that have expired.
        if (windows.size > 10_000) for (const [k, v] of windows) if (t - v.start >= 60_000) windows.delete(k);
      }
      const allowed = w.count < limitPerMinute;
      if (allowed) w.count++;
      return {
        allowed,
        limit: limitPerMinute,
        remaining: Math.max(0, limitPerMinute - w.count),
        retryAfterSeconds: Math.max(0, Math.ceil((w.start + 60_000 - t) / 1000)),
      };
    },
  };
}
export type ApiRateLimiter = ReturnType<typeof createApiRateLimiter>;
