import { type RoundRun, medianOfSide } from '../compare/compare-result.js';
import { headlineRatios, newOverBase } from '../compare/ratios.js';
import type { SideFigures } from '../compare/run-side.js';
import type { machineInfo } from '../compare/run-rounds.js';

export type FloorSide = 'herald' | 'floor';

/**
 * Herald ÷ floor of each side's median figures (3 decimals; NaN, null in the JSON, when the floor
 * has no such figure or it is 0). Above 1 is Herald costing more (CPU, p99) or, for
 * `sustainedRatio`, Herald sustaining more.
 */
export function floorRatios(floor: SideFigures, herald: SideFigures) {
  const { cpuPerDeliveryRatio, sustainedRatio, p99At25Ratio, idleCpuRatio } = headlineRatios(floor, herald);
  const at25 = (pick: (s: SideFigures) => number | undefined) => newOverBase(pick(floor) ?? Number.NaN, pick(herald) ?? Number.NaN);
  return {
    /** Total CPU ms per delivery at the CPU phase's rate (50/s). */
    cpuPerDeliveryRatio,
    /** The same at the latency phase's rate (25/s). */
    cpuPerDeliveryAt25Ratio: at25((s) => s.latencyCpuPerDelivery?.total),
    /** Per process, at 50/s: the side's node process (Herald's / the floor program's) and the Temporal dev server. */
    cpuPerDeliveryByProcessRatio: {
      node: newOverBase(floor.cpuPerDelivery.herald, herald.cpuPerDelivery.herald),
      temporal: newOverBase(floor.cpuPerDelivery.temporal, herald.cpuPerDelivery.temporal),
    },
    sustainedRatio,
    /** End-to-end p99 at 25/s. */
    p99At25Ratio,
    idleCpuRatio,
  };
}
export type FloorRatios = ReturnType<typeof floorRatios>;

/** What bench/results/floor-<date>.json holds. */
export interface FloorResult {
  startedAt: string;
  /** Wall time of the whole run, s. */
  runtimeSeconds: number;
  /** The Herald side: the working tree. */
  herald: { sha: string; dirty: boolean };
  machine: ReturnType<typeof machineInfo>;
  options: Record<string, unknown>;
  rounds: RoundRun<FloorSide>[];
  /** Per side, the median over rounds of every figure. */
  median: Record<FloorSide, SideFigures>;
  /** Herald ÷ floor of the medians. */
  ratios: FloorRatios;
}

/** Medians per side and the ratios Herald ÷ floor, from every round's run. */
export function summarizeFloorRounds(rounds: readonly RoundRun<FloorSide>[]): Pick<FloorResult, 'median' | 'ratios'> {
  const median = { herald: medianOfSide(rounds, 'herald'), floor: medianOfSide(rounds, 'floor') };
  return { median, ratios: floorRatios(median.floor, median.herald) };
}
