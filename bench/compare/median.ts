// Medians over rounds. Figures are nested records of numbers (ms, ms/s, deliveries/s …); the
// median of a set of such records is taken key by key.

/** A nested record whose leaves are numbers. */
export type NumberTree = { [key: string]: number | NumberTree };

/**
 * Median of the finite values (NaN and ±Infinity, "no data", are left out); the mean of the two
 * middle values for an even count; NaN when nothing is left.
 */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * Key-by-key median of records of the same shape (one per round). A key missing from some
 * records (e.g. a thread too idle to be listed in one round) is the median of those that have it.
 */
export function medianOf<T extends NumberTree>(records: readonly T[]): T {
  const out: NumberTree = {};
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  for (const k of keys) {
    const present = records.map((r) => r[k]).filter((v) => v !== undefined);
    if (present.every((v) => typeof v === 'number')) out[k] = median(present as number[]);
    else out[k] = medianOf(present.filter((v): v is NumberTree => typeof v === 'object'));
  }
  return out as T;
}
