// Command-line options of `npm run bench` (flags after `--`, e.g. `npm run bench -- --quick`).
//
//   --quick             a short smoke run (~2 min): ladder up to 100 at 5 s a step, fewer events,
//                       1,000 parked retries. Without it: the full run (~8 min on 2 cores).
//   --rate N            top of the offered-rate ladder, events/s (default 400; quick 100). The
//                       ladder is 25, 50, 75, 100, 125, 150, 200, 250, 300, 400, 600, 800, 1000
//                       up to N, and stops after the first rate that is not sustained.
//   --duration S        seconds of load per ladder step and per latency phase (default 10; quick 5).
//   --fanout N          webhooks each load event goes to in the ladder/latency/CPU phases (default 1,
//                       max 200); deliveries/s = events/s × N.
//   --payload B         bytes of event `data` JSON (default 256; max 200,000).
//   --fail-ratio R      share (0–0.9) of the receiver's answers that are 500 during the load phases
//                       (default 0); load webhooks then retry 1 s later (attempts policy, 5 × 1 s).
//   --parked P          deliveries parked on a 1 h retry timer for the memory figure
//                       (default 10,000; quick 1,000).
//   --connections C     connections of the raw undici baseline (default 50 = Herald's delivery agent).
//   --fanout-webhooks W the fan-out scenario's second case: one event's webhooks (default 100, max
//                       20,000; e.g. 10000 exercises the dispatch workflow's continue-as-new 50 times).
//   --temporal T        dev (default: the embedded dev server, or TEMPORAL_ADDRESS), cluster (a fresh
//                       real cluster, `npm run cluster`'s, on a free base port, stopped after), or
//                       both: dev server and cluster interleaved in one run, the ladder only, CPU per
//                       delivery by process (bench/temporal-sides.ts).
//   --rounds N          with --temporal both: rounds of (dev, cluster) (default 1).
//   --scale-out         one fresh cluster; the ladder with 1 and 2 worker processes and 1 and 2 API
//                       processes (bench/scale-out.ts).
//   --only LIST         run only these scenarios (comma-separated: ladder, latency, publish, fanout,
//                       retry, ratelimit, parked); the raw ceiling always runs. Default: all.
//   --help              prints this.
//
// Comparison with another commit (bench/compare/, its own options; the ones above do not apply):
//   --compare REF       runs git ref REF ("base": a temporary detached worktree with its own npm ci)
//                       and the working tree ("new") as `npm start` runs them, interleaved base, new,
//                       base, new …, each on a fresh Herald: idle CPU, end-to-end latency at 25/s,
//                       CPU per delivery at 50/s (per process and per Herald thread), and the ladder
//                       25 … 400/s. Prints the medians with new ÷ base and writes
//                       bench/results/compare-<date>.json and .md.
//   --rounds N          with --compare: rounds of (base, new) (default 2).
//   --quick, --duration S, --rate N  with --compare: 5 s steps; seconds per step (default 10);
//                       top of the ladder (default 400).
//   --keep-worktree     with --compare: keep the base worktree for the next run against that sha.
//
// Herald over its floor (bench/floor/run-floor.ts):
//   --floor             the working tree's Herald and a bare worker and starter ("floor": the same
//                       Temporal dev server binary and flags, a workflow per delivery with one local
//                       activity POSTing the same body to the same receiver, eager start, Herald's
//                       SDK settings), interleaved per round, the --compare phases; prints every
//                       figure for both with herald ÷ floor; writes bench/results/floor-<date>.json
//                       and .md. Takes --quick, --rounds (default 2), --duration and --rate as
//                       --compare does.
//
// Cost of metrics and traces (bench/compare/run-observability-compare.ts):
//   --observability-compare  the working tree three times, interleaved per round, changing only the
//                       environment: off (HERALD_METRICS_ENABLED=false), metrics (default), traced
//                       (HERALD_OTEL_ENABLED=true, to a discarding OTLP sink); the --compare phases;
//                       prints metrics ÷ off and traced ÷ metrics; writes
//                       bench/results/observability-<date>.json and .md. Takes --quick, --rounds,
//                       --duration and --rate as --compare does.

export interface BenchOptions {
  quick: boolean;
  ladder: number[];
  durationSeconds: number;
  fanout: number;
  payloadBytes: number;
  failRatio: number;
  parked: number;
  connections: number;
  /** Seconds of the raw baseline's closed loop. */
  ceilingSeconds: number;
  /** Events per fan-out run: [to 10 webhooks, to `fanOutWebhooks` webhooks]. */
  fanOutEvents: [number, number];
  fanOutWebhooks: number;
  retryEvents: number;
  /** Events per case of the ordered scenario (unordered, fifo 1 key, fifo 100 keys). */
  orderedEvents: number;
  rateLimit: number;
  only: Set<Scenario>;
  temporal: 'dev' | 'cluster' | 'both';
  rounds: number;
  scaleOut: boolean;
}

export const SCENARIOS = ['ladder', 'latency', 'publish', 'fanout', 'ordered', 'retry', 'ratelimit', 'parked'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const LADDER = [25, 50, 75, 100, 125, 150, 200, 250, 300, 400, 600, 800, 1000];

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const args = [...argv];
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const known = new Set([
    '--quick',
    '--rate',
    '--duration',
    '--fanout',
    '--payload',
    '--fail-ratio',
    '--parked',
    '--connections',
    '--only',
    '--fanout-webhooks',
    '--ordered-events',
    '--temporal',
    '--rounds',
    '--scale-out',
  ]);
  for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} (try --help)`);
  const quick = args.includes('--quick');
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isFinite(v) || v < min || v > max)
      throw new Error(`--${name} must be a number in ${min}–${max} (got ${args[i + 1] ?? 'nothing'})`);
    return v;
  };
  const onlyAt = args.indexOf('--only');
  const only = new Set<Scenario>(onlyAt < 0 ? SCENARIOS : []);
  if (onlyAt >= 0) {
    for (const name of (args[onlyAt + 1] ?? '').split(',').filter(Boolean)) {
      if (!(SCENARIOS as readonly string[]).includes(name))
        throw new Error(`--only: unknown scenario ${name} (one of ${SCENARIOS.join(', ')})`);
      only.add(name as Scenario);
    }
    if (!only.size) throw new Error(`--only needs a comma-separated list of ${SCENARIOS.join(', ')}`);
  }
  const ti = args.indexOf('--temporal');
  const temporal = ti < 0 ? 'dev' : args[ti + 1];
  if (temporal !== 'dev' && temporal !== 'cluster' && temporal !== 'both')
    throw new Error(`--temporal must be dev, cluster or both (got ${temporal ?? 'nothing'})`);
  const top = num('rate', quick ? 100 : 400, 1, 5000);
  const ladder = LADDER.filter((r) => r <= top);
  if (!ladder.length || ladder[ladder.length - 1] !== top) ladder.push(top);
  return {
    quick,
    ladder: ladder.sort((a, b) => a - b),
    durationSeconds: num('duration', quick ? 5 : 10, 1, 120),
    fanout: Math.round(num('fanout', 1, 1, 200)),
    payloadBytes: Math.round(num('payload', 256, 0, 200_000)),
    failRatio: num('fail-ratio', 0, 0, 0.9),
    parked: Math.round(num('parked', quick ? 1_000 : 10_000, 1, 100_000)),
    connections: Math.round(num('connections', 50, 1, 1000)),
    ceilingSeconds: quick ? 3 : 5,
    fanOutWebhooks: Math.round(num('fanout-webhooks', 100, 1, 20_000)),
    // Past 1,000 webhooks, one event (the point is the fan-out, not the rate).
    fanOutEvents: [quick ? 5 : 20, num('fanout-webhooks', 100, 1, 20_000) > 1_000 ? 1 : quick ? 2 : 10],
    retryEvents: quick ? 10 : 20,
    orderedEvents: Math.round(num('ordered-events', quick ? 200 : 600, 10, 100_000)),
    rateLimit: 20,
    only,
    temporal,
    rounds: Math.round(num('rounds', 1, 1, 10)),
    scaleOut: args.includes('--scale-out'),
  };
}

/** The comment block above, for --help. */
export const HELP = `npm run bench [-- options]
  --quick          short smoke run
  --rate N         top of the offered-rate ladder, events/s (default 400; quick 100)
  --duration S     seconds per ladder step / latency phase (default 10; quick 5)
  --fanout N       webhooks per load event (default 1)
  --payload B      event data bytes (default 256)
  --fail-ratio R   share of 500 answers during load phases (default 0)
  --parked P       parked retries for the memory figure (default 10000; quick 1000)
  --connections C  raw baseline connections (default 50)
  --fanout-webhooks W  webhooks of the second fan-out case (default 100; e.g. 10000)
  --only LIST      scenarios to run: ladder,latency,publish,fanout,ordered,retry,ratelimit,parked (default all)
  --ordered-events N  events per case of the ordered scenario (default 600; quick 200)
  --temporal T     dev (default), cluster (a fresh real cluster), or both (interleaved, ladder only)
  --rounds N       with --temporal both: rounds of (dev, cluster) (default 1)
  --scale-out      one cluster; ladder with 1/2 worker processes × 1/2 API processes
Env: TEMPORAL_ADDRESS / DATABASE_URL use external services instead of embedded ones.

npm run bench -- --compare <git-ref> [--quick] [--rounds N] [--duration S] [--rate N] [--keep-worktree]
  runs <git-ref> and the working tree interleaved (base, new, base, new …), embedded defaults,
  and prints every figure for both with new ÷ base (more: --compare x --help)

npm run bench -- --floor [--quick] [--rounds N] [--duration S] [--rate N]
  runs the working tree and a bare worker and starter on the same Temporal dev server (the floor)
  interleaved, and prints every figure for both with herald ÷ floor (more: --floor --help)`;
