// Small statistics helpers for the benchmark. All inputs and outputs are plain numbers in the
// unit the caller uses (milliseconds almost everywhere).

/** Nearest-rank percentile (p in 0–100) of unsorted values; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p95/p99/max/mean, rounded to 0.1 (ms). */
export function summarize(values: readonly number[]): Summary {
  let max = Number.NaN;
  let sum = 0;
  for (const v of values) {
    if (!(v <= max)) max = v;
    sum += v;
  }
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(max),
    mean: round(values.length ? sum / values.length : Number.NaN),
  };
}

/**
 * Most timestamps (ms) inside any sliding window [t, t + windowMs). The window is anchored on
 * each timestamp, which is where the maximum of a sliding count is always found.
 */
export function peakInWindow(times: readonly number[], windowMs = 1000): number {
  const s = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** Least-squares slope of y over x; NaN for fewer than 2 points or when every x is the same. */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : Number.NaN;
}

/** Rounds to `digits` decimals; keeps NaN so "no data" stays visible. */
export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** a / b rounded to 2 decimals; NaN when b is 0 or either is missing. */
export const ratio = (a: number, b: number): number => (b && Number.isFinite(a) && Number.isFinite(b) ? round(a / b, 2) : Number.NaN);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function pollUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
