/** How long one probe's answer serves `GET /healthz`, ms. */
export const HEALTH_CACHE_MS = 1_000;

/** One dependency's probe: its latency (ms), or why it failed. */
export type Probe = { ok: true; latencyMs: number } | { ok: false; error: string };
/** What `GET /healthz` and health.check answer (health-router.ts probes it). */
export interface Health {
  ok: boolean;
  postgres: Probe;
  temporal: Probe;
}

/**
 * `GET /healthz` for anyone, unlimited, and cheap: at most one `probe` of PostgreSQL and Temporal
 * per HEALTH_CACHE_MS per API, however many ask; callers during a probe share it.
 */
export function createCachedHealth(probe: () => Promise<Health>): () => Promise<Health> {
  let last: { at: number; health: Promise<Health> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= HEALTH_CACHE_MS) last = { at: now, health: probe() };
    return last.health;
  };
}
