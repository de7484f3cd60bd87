import type { Health, Probe } from '../cached-health.js';
import { sql } from 'kysely';
import type { ApiDeps } from '../context.js';
import { publicProcedure, router } from '../trpc.js';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

/** Reachability of both dependencies; never throws. */
export async function checkHealth(deps: ApiDeps): Promise<Health> {
  const probe = async (fn: () => Promise<unknown>): Promise<Probe> => {
    const t0 = Date.now();
    try {
      await withTimeout(fn(), 2_000);
      return { ok: true as const, latencyMs: Date.now() - t0 };
    } catch (err) {
      return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
    }
  };
  const [postgres, temporal] = await Promise.all([
    probe(() => sql`select 1`.execute(deps.db)),
    probe(() => deps.temporal.workflowService.describeNamespace({ namespace: deps.config.temporal.namespace })),
  ]);
  return { ok: postgres.ok && temporal.ok, postgres, temporal };
}

export const healthRouter = router({
  /** As `GET /healthz`: at most one probe per second (cached-health.ts). */
  check: publicProcedure.query(({ ctx }) => ctx.deps.health()),
});
