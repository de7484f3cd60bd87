// Options of `npm run bench -- --compare <git-ref> [...]` (see bench/options.ts for the list).

export interface CompareOptions {
  /** The git ref the working tree is compared with ("base"). */
  ref: string;
  quick: boolean;
  /** Rounds of (base, new), each side on a fresh Herald every round. */
  rounds: number;
  /** Seconds of load per latency, CPU and ladder step. */
  durationSeconds: number;
  /** Warm-up before the phases: `warmupRate` events/s for `warmupSeconds`. */
  warmupSeconds: number;
  warmupRate: number;
  /** Seconds of the idle phase (nothing offered). */
  idleSeconds: number;
  /** Offered events/s of the latency phase and of the CPU-per-delivery phase. */
  latencyRate: number;
  cpuRate: number;
  /** Offered events/s, ascending; the ladder stops after the first step that is not sustained. */
  ladder: number[];
  /** Leave the base worktree in place for the next run (it is reused when the sha matches). */
  keepWorktree: boolean;
}

const LADDER = [25, 50, 75, 100, 150, 200, 300, 400];

export const COMPARE_HELP = `npm run bench -- --compare <git-ref> [options]
  runs <git-ref> ("base", in a temporary worktree with its own npm ci) and the working tree ("new")
  as npm start runs them, interleaved base, new, base, new …, and prints every figure for both
  with new ÷ base; writes bench/results/compare-<date>.json and .md
  --quick          5 s steps instead of 10
  --rounds N       rounds of (base, new) (default 2)
  --duration S     seconds per latency / CPU / ladder step (default 10; quick 5)
  --rate N         top of the ladder 25, 50, 75, 100, 150, 200, 300, 400 (default 400)
  --keep-worktree  keep the base worktree (os.tmpdir()/herald-compare-<sha>) for the next run`;

/** Parses the argv of a compare run (it contains `--compare`). Throws on anything unknown. */
export function parseCompareOptions(argv: readonly string[]): CompareOptions | 'help' {
  const args = [...argv];
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const withValue = new Set(['--compare', '--rounds', '--duration', '--rate']);
  const flags = new Set(['--quick', '--keep-worktree']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (withValue.has(a)) i++;
    else if (!flags.has(a))
      throw new Error(`${a}: not an option of --compare (${[...withValue, ...flags].join(', ')}; try --compare x --help)`);
  }
  const ref = args[args.indexOf('--compare') + 1];
  if (!ref || ref.startsWith('--')) throw new Error('--compare needs a git ref (a sha, branch or tag)');
  const quick = args.includes('--quick');
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`--${name} must be a whole number in ${min}–${max} (got ${args[i + 1] ?? 'nothing'})`);
    return v;
  };
  const top = num('rate', 400, 1, 5000);
  const ladder = LADDER.filter((r) => r <= top);
  if (ladder[ladder.length - 1] !== top) ladder.push(top);
  return {
    ref,
    quick,
    rounds: num('rounds', 2, 1, 20),
    durationSeconds: num('duration', quick ? 5 : 10, 1, 120),
    warmupSeconds: 3,
    warmupRate: 20,
    idleSeconds: 10,
    latencyRate: 25,
    cpuRate: 50,
    ladder,
    keepWorktree: args.includes('--keep-worktree'),
  };
}
