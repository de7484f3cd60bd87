import { medianOf } from './median.js';
import { type HeadlineRatios, headlineRatios } from './ratios.js';
import type { SideFigures, SideRun } from './run-side.js';

export type Side = 'base' | 'new';

/** One side on its own fresh Herald in one round (sides are named by the run: base/new, herald/floor). */
export interface RoundRun<S extends string = Side> extends SideRun {
  round: number;
  side: S;
}

/** What bench/results/compare-<date>.json holds. */
export interface CompareResult {
  startedAt: string;
  /** Wall time of the whole run, worktree and npm ci included, s. */
  runtimeSeconds: number;
  base: { ref: string; sha: string };
  new: { ref: 'working tree'; sha: string; dirty: boolean };
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; loadAvgAtStart: number[] };
  options: Record<string, unknown>;
  rounds: RoundRun[];
  /** Per side, the median over rounds of every figure. */
  median: { base: SideFigures; new: SideFigures };
  /** new ÷ base of the medians (null when a side has no figure or base is 0). */
  ratios: HeadlineRatios;
}

/** The median over rounds of every figure of one side. */
export function medianOfSide<S extends string>(rounds: readonly RoundRun<S>[], side: S): SideFigures {
  return medianOf(rounds.filter((r) => r.side === side).map((r) => r.figures));
}

/** Medians per side and the headline ratios, from every round's run. */
export function summarizeRounds(rounds: readonly RoundRun[]): Pick<CompareResult, 'median' | 'ratios'> {
  const median = { base: medianOfSide(rounds, 'base'), new: medianOfSide(rounds, 'new') };
  return { median, ratios: headlineRatios(median.base, median.new) };
}
