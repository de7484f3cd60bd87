import type { HeraldUnderTest } from './herald-under-test.js';
import type { BenchOptions } from './options.js';
import { cpuByPart, cpuMs, findServicePids, selfCpuMs, threadCpuMs } from './proc-stats.js';
import type { ReceiverProcess } from './receiver-client.js';

/** What every scenario gets: Herald, the receiver process, the options and a line printer. */
export interface BenchContext {
  h: HeraldUnderTest;
  rx: ReceiverProcess;
  opts: BenchOptions;
  say: (line: string) => void;
}

type RetryPolicy =
  | { kind: 'attempts'; maxAttempts: number; intervalSeconds: number; backoff: 'fixed' | 'exponential' }
  | { kind: 'window'; windowMinutes: number };

/**
 * Creates event type `bench.<scenario>` and `count` webhooks subscribed to it, each at
 * `<receiver>/<scenario>/<n>`, so a scenario's arrivals are told apart by path.
 */
export async function setUpScenario(
  ctx: BenchContext,
  scenario: string,
  count: number,
  opts: { rateLimitPerSecond?: number; retryPolicy?: RetryPolicy; ordering?: 'none' | 'fifo' } = {},
): Promise<string> {
  const type = `bench.${scenario}`;
  await ctx.h.api.eventTypes.create.mutate({ name: type, description: `benchmark scenario ${scenario}` });
  for (let n = 0; n < count; n++) {
    await ctx.h.api.webhooks.create.mutate({
      name: `${scenario}-${n}`,
      url: `${ctx.rx.url}/${scenario}/${n}`,
      eventTypes: [type],
      rateLimitPerSecond: opts.rateLimitPerSecond ?? 1000,
      ...(opts.ordering ? { ordering: opts.ordering, maxInFlight: 50 } : {}),
      retryPolicy: opts.retryPolicy ?? { kind: 'attempts', maxAttempts: 5, intervalSeconds: 1, backoff: 'fixed' },
    });
  }
  return type;
}

/**
 * CPU ms so far: this process (API + worker + load generator), the Temporal server, PostgreSQL;
 * `parts` splits the last two by process (a cluster's services, each PostgreSQL server).
 */
export function cpuSnapshot(): CpuSnapshot {
  const pids = findServicePids();
  return {
    herald: selfCpuMs(),
    threads: threadCpuMs(),
    temporal: pids.temporal.length ? cpuMs(pids.temporal) : Number.NaN,
    postgres: pids.postgres.length ? cpuMs(pids.postgres) : Number.NaN,
    parts: cpuByPart(),
  };
}
export interface CpuSnapshot {
  herald: number;
  threads: Record<string, number>;
  temporal: number;
  postgres: number;
  parts?: Record<string, number>;
}

/** A type, not an interface: bench/compare reduces it as a tree of numbers (index signature). */
export type CpuPerUnit = {
  herald: number;
  temporal: number;
  postgres: number;
  total: number;
  heraldThreads: Record<string, number>;
  /** Temporal and PostgreSQL by process (`cpuByPart`); only when the snapshots have them. */
  parts?: Record<string, number>;
};

/** CPU ms per unit of work between two snapshots, per process group and in total. */
export function cpuPer(before: CpuSnapshot, after: CpuSnapshot, units: number): CpuPerUnit {
  const per = (a: number, b: number) => (units > 0 ? Math.round(((b - a) / units) * 1000) / 1000 : Number.NaN);
  const herald = per(before.herald, after.herald);
  const temporal = per(before.temporal, after.temporal);
  const postgres = per(before.postgres, after.postgres);
  const total = Math.round((herald + (Number.isNaN(temporal) ? 0 : temporal) + (Number.isNaN(postgres) ? 0 : postgres)) * 1000) / 1000;
  // The Herald process split by thread name (Linux `comm`), ms per unit.
  const heraldThreads: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after.threads)) {
    const v = per(before.threads[name] ?? 0, ms);
    if (v >= 0.05) heraldThreads[name] = v;
  }
  // Temporal and PostgreSQL by process (cpuByPart), ms per unit; absent when not sampled.
  const parts: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after.parts ?? {})) parts[name] = per(before.parts?.[name] ?? ms, ms);
  return { herald, temporal, postgres, total, heraldThreads, ...(after.parts ? { parts } : {}) };
}
