import type { CpuSnapshot } from '../bench-context.js';
import { cpuMs, findServicePids, processCpuMs, threadCpuMs } from '../proc-stats.js';

/**
 * CPU ms used so far by a Herald started as `npm start` runs it (pid `heraldPid`), in the shape of
 * bench-context's `cpuSnapshot` so `cpuPer` and scenario-load's `step` take it as is:
 * - herald: the node process itself, all threads, without its reaped children;
 * - threads: that process by thread name (`node` = main, workflow thread, tokio, libuv, V8 helpers);
 * - temporal / postgres: its descendants whose program name starts with `temporal` / `postgres`,
 *   reaped children included (PostgreSQL backends that exited are charged to the postmaster).
 * The driver's own CPU (load generator) and the receiver process are in none of these.
 * Descendants are listed afresh on every snapshot, so backends that come and go are counted.
 */
export function stackCpuSnapshot(heraldPid: number): CpuSnapshot {
  const pids = findServicePids(heraldPid);
  return {
    herald: processCpuMs(heraldPid),
    threads: threadCpuMs(heraldPid),
    temporal: pids.temporal.length ? cpuMs(pids.temporal) : Number.NaN,
    postgres: pids.postgres.length ? cpuMs(pids.postgres) : Number.NaN,
  };
}
