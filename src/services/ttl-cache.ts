/**
 * A small in-process cache whose entries expire `ttlMs` after they were loaded. It bounds how
 * stale a read can be (a change made by another process is seen within `ttlMs`); changes made
 * through this process call `delete` or `clear` and are seen at once. At most `max` entries:
 * past that, the oldest is dropped (Map keeps insertion order).
 */
export function createTtlCache<V>(ttlMs: number, max = 10_000, now: () => number = Date.now) {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key: string): V | undefined {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return e.value;
    },
    set(key: string, value: V): void {
      entries.delete(key);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expiresAt: now() + ttlMs });
    },
    delete(key: string): void {
      entries.delete(key);
    },
    clear(): void {
      entries.clear();
    },
  };
}
export type TtlCache<V> = ReturnType<typeof createTtlCache<V>>;
