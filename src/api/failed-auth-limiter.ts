/**
 * Failed authentications per client address, a fixed one-minute window per address, kept in
 * this API process. Checked before the API key is looked up, so a flood of made-up keys from one
 * address costs no database query once it has used up its failures.
 */
/** Addresses tracked at once. */
export const MAX_ADDRESSES = 100_000;

export function createFailedAuthLimiter(limitPerMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; failures: number }>();
  let lastPrune = -Infinity;
  const current = (address: string, t: number) => {
    const w = windows.get(address);
    return w && t - w.start < 60_000 ? w : undefined;
  };
  return {
    /** Seconds until `address` may try again, or 0 if it may try now. */
    blockedFor(address: string): number {
      const t = now();
      const w = current(address, t);
      return w && w.failures >= limitPerMinute ? Math.max(1, Math.ceil((w.start + 60_000 - t) / 1000)) : 0;
    },
    recordFailure(address: string): void {
      const t = now();
      const w = current(address, t);
      if (w) w.failures++;
      else {
        // Re-inserted, not updated in place: the map's order stays oldest window first.
        windows.delete(address);
        windows.set(address, { start: t, failures: 1 });
        // Keep memory bounded: drop windows that have expired (a full pass at most once a
        // second, so a flood of new addresses costs no pass each), then, from very many
        // addresses in one minute (an IPv6 range), the oldest: at most MAX_ADDRESSES (~10 MB).
        if (windows.size > 10_000 && t - lastPrune >= 1_000) {
          lastPrune = t;
          for (const [k, v] of windows) if (t - v.start >= 60_000) windows.delete(k);
        }
        if (windows.size > MAX_ADDRESSES) windows.delete(windows.keys().next().value!);
      }
    },
  };
}
export type FailedAuthLimiter = ReturnType<typeof createFailedAuthLimiter>;
