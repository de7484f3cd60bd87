import { parseCompareOptions } from '../compare/compare-options.js';
import type { PhaseOptions } from '../compare/run-side.js';

// Options of `npm run bench -- --floor [...]`: the --compare phases and their options, minus
// what only a git ref has (the ref itself, --keep-worktree).

export interface FloorOptions extends PhaseOptions {
  quick: boolean;
  /** Rounds of (herald, floor), each side on a fresh process every round. */
  rounds: number;
}

export const FLOOR_HELP = `npm run bench -- --floor [options]
  runs the working tree's Herald ("herald", as npm start runs it) and the floor ("floor": the same
  Temporal dev server binary and flags, a bare worker and starter, a workflow per delivery with one
  local activity POSTing the same body to the same receiver, eager start, Herald's SDK settings),
  interleaved herald, floor, herald, floor …, through the --compare phases; prints every figure for
  both with herald ÷ floor; writes bench/results/floor-<date>.json and .md
  --quick          5 s steps instead of 10
  --rounds N       rounds of (herald, floor) (default 2)
  --duration S     seconds per latency / CPU / ladder step (default 10; quick 5)
  --rate N         top of the ladder 25, 50, 75, 100, 150, 200, 300, 400 (default 400)`;

/** Parses the argv of a floor run (it contains `--floor`). Throws on anything unknown. */
export function parseFloorOptions(argv: readonly string[]): FloorOptions | 'help' {
  const args = argv.filter((a) => a !== '--floor');
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const withValue = new Set(['--rounds', '--duration', '--rate']);
  for (let i = 0; i < args.length; i++) {
    if (withValue.has(args[i]!)) i++;
    else if (args[i] !== '--quick') throw new Error(`${args[i]}: not an option of --floor (--quick, --rounds N, --duration S, --rate N)`);
  }
  const o = parseCompareOptions(['--compare', 'floor', ...args]);
  if (o === 'help') return 'help';
  const { ref: _ref, keepWorktree: _keep, ...phases } = o;
  return phases;
}
