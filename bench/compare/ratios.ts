import type { SideFigures } from './run-side.js';

/** new ÷ base to 3 decimals; NaN (null in the JSON) when base is 0 or either side has no figure. */
export function newOverBase(base: number, next: number): number {
  if (!Number.isFinite(base) || !Number.isFinite(next) || base === 0) return Number.NaN;
  return Math.round((next / base) * 1000) / 1000;
}

/**
 * The four headline ratios of issue 10, new ÷ base, from each side's median figures. Below 1 is
 * better for CPU, p99 and idle; above 1 is better for sustained throughput.
 */
export function headlineRatios(base: SideFigures, next: SideFigures) {
  return {
    /** Total CPU ms per delivery at the CPU phase's rate (50/s). */
    cpuPerDeliveryRatio: newOverBase(base.cpuPerDelivery.total, next.cpuPerDelivery.total),
    /** Sustained deliveries/s on the ladder. */
    sustainedRatio: newOverBase(base.sustainedDeliveriesPerSecond, next.sustainedDeliveriesPerSecond),
    /** End-to-end p99 at the latency phase's rate (25/s). */
    p99At25Ratio: newOverBase(base.latency.p99, next.latency.p99),
    /** CPU ms per second of the whole stack with nothing offered. */
    idleCpuRatio: newOverBase(base.idleCpuMsPerSecond.total, next.idleCpuMsPerSecond.total),
  };
}
export type HeadlineRatios = ReturnType<typeof headlineRatios>;
