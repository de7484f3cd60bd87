import { describe, expect, it } from 'vitest';
import { parseCompareOptions } from '../../bench/compare/compare-options.js';
import { summarizeRounds, type RoundRun } from '../../bench/compare/compare-result.js';
import { median, medianOf } from '../../bench/compare/median.js';
import { headlineRatios, newOverBase } from '../../bench/compare/ratios.js';
import type { SideFigures } from '../../bench/compare/run-side.js';
import { heraldEnv, parseStartOutput } from '../../bench/compare/start-output.js';
import { stopStack } from '../../bench/compare/stop-stack.js';

// The pure parts of `npm run bench -- --compare`; nothing here starts Herald or the benchmark.

const START = [
  '',
  'Herald is running (ready in 12.3 s)',
  '  API:         http://127.0.0.1:3000/trpc   (health: http://127.0.0.1:3000/healthz)',
  '',
  '  First start: created team "default" with API key (shown once, stored hashed):',
  '    hk_live_abc123',
  '',
  'Press Ctrl-C to stop.',
  '',
].join('\n');

describe('parseStartOutput', () => {
  it('reads "running" and the key on the line after the first-start notice', () => {
    expect(parseStartOutput(START)).toEqual({ running: true, apiKey: 'hk_live_abc123' });
  });

  it('waits for the key line to be complete (output may stop mid-line)', () => {
    const cut = START.slice(0, START.indexOf('abc123') + 3);
    expect(parseStartOutput(cut)).toEqual({ running: true });
  });

  it('has no key before the notice, nor on a restart (no notice at all)', () => {
    expect(parseStartOutput('starting…\n')).toEqual({ running: false });
    expect(parseStartOutput('Herald is running (ready in 1 s)\nPress Ctrl-C to stop.\n')).toEqual({ running: true });
  });
});

describe('heraldEnv', () => {
  it('drops inherited Herald, Temporal and database settings but keeps the CLI location and PATH', () => {
    const env = heraldEnv(
      {
        PATH: '/bin',
        DATABASE_URL: 'postgres://x',
        TEMPORAL_ADDRESS: 'x:7233',
        HERALD_EAGER_START: 'false',
        HERALD_CACHE_DIR: '/c',
        TEMPORAL_CLI: '/t',
      },
      { dataDir: '/d', apiPort: 1, pgPort: 2, temporalPort: 3, temporalUiPort: 4 },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      HERALD_CACHE_DIR: '/c',
      TEMPORAL_CLI: '/t',
      HERALD_DATA_DIR: '/d',
      HERALD_API_PORT: '1',
      HERALD_EMBEDDED_PG_PORT: '2',
      HERALD_TEMPORAL_PORT: '3',
      HERALD_TEMPORAL_UI_PORT: '4',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.TEMPORAL_ADDRESS).toBeUndefined();
    expect(env.HERALD_EAGER_START).toBeUndefined();
  });
});

describe('median', () => {
  it('takes the middle, or the mean of the two middles, ignoring missing figures', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('reduces nested records key by key; a key absent in a round uses the rounds that have it', () => {
    expect(
      medianOf([
        { a: 1, t: { x: 10 } },
        { a: 3, t: { x: 30, y: 7 } },
        { a: 2, t: { x: 20 } },
      ]),
    ).toEqual({ a: 2, t: { x: 20, y: 7 } });
  });
});

const figures = (cpu: number, sustained: number, p99: number, idle: number): SideFigures => ({
  startupSeconds: 10,
  idleCpuMsPerSecond: { herald: idle / 2, temporal: idle / 4, postgres: idle / 4, total: idle, heraldThreads: { node: idle / 2 } },
  latency: { rate: 25, p50: p99 / 2, p95: p99 / 1.5, p99, publishP99: 5 },
  latencyCpuPerDelivery: { rate: 25, herald: cpu, temporal: cpu / 2, postgres: cpu / 2, total: 2 * cpu, heraldThreads: { node: cpu / 2 } },
  cpuPerDelivery: { rate: 50, herald: cpu / 2, temporal: cpu / 4, postgres: cpu / 4, total: cpu, heraldThreads: { node: cpu / 4 } },
  sustainedDeliveriesPerSecond: sustained,
});

describe('ratios', () => {
  it('are new ÷ base to 3 decimals, NaN when base is 0 or a figure is missing', () => {
    expect(newOverBase(30, 10)).toBe(0.333);
    expect(newOverBase(0, 10)).toBeNaN();
    expect(newOverBase(Number.NaN, 10)).toBeNaN();
  });

  it('headline ratios come from total CPU at 50/s, sustained/s, p99 at 25/s and idle total', () => {
    expect(headlineRatios(figures(30, 50, 100, 40), figures(10, 150, 25, 10))).toEqual({
      cpuPerDeliveryRatio: 0.333,
      sustainedRatio: 3,
      p99At25Ratio: 0.25,
      idleCpuRatio: 0.25,
    });
  });

  it('summarizeRounds takes the median per side over rounds before dividing', () => {
    const run = (round: number, side: 'base' | 'new', f: SideFigures): RoundRun => ({
      round,
      side,
      figures: f,
      raw: {} as RoundRun['raw'],
    });
    const s = summarizeRounds([
      run(1, 'base', figures(30, 50, 100, 40)),
      run(1, 'new', figures(12, 100, 30, 10)),
      run(2, 'base', figures(34, 50, 120, 44)),
      run(2, 'new', figures(8, 200, 20, 12)),
    ]);
    expect(s.median.base.cpuPerDelivery.total).toBe(32);
    expect(s.median.new.sustainedDeliveriesPerSecond).toBe(150);
    expect(s.ratios).toEqual({ cpuPerDeliveryRatio: 0.313, sustainedRatio: 3, p99At25Ratio: 0.227, idleCpuRatio: 0.262 });
  });
});

describe('parseCompareOptions', () => {
  it('defaults to 2 rounds of 10 s steps and the full ladder; --quick is 5 s; --rate cuts the ladder', () => {
    const o = parseCompareOptions(['--compare', '2b20352']);
    expect(o).toMatchObject({ ref: '2b20352', rounds: 2, durationSeconds: 10, ladder: [25, 50, 75, 100, 150, 200, 300, 400] });
    expect(parseCompareOptions(['--compare', 'main', '--quick', '--rounds', '1', '--rate', '50'])).toMatchObject({
      rounds: 1,
      durationSeconds: 5,
      ladder: [25, 50],
    });
  });

  it('refuses a missing ref and options it does not know', () => {
    expect(() => parseCompareOptions(['--compare'])).toThrow(/git ref/);
    expect(() => parseCompareOptions(['--compare', 'main', '--fanout', '3'])).toThrow(/not an option/);
  });
});

describe('stopStack', () => {
  it('stops newest first, each once, even when the normal path already stopped it', async () => {
    const order: string[] = [];
    const s = stopStack();
    const worktree = s.push(async () => void order.push('worktree'));
    s.push(async () => void order.push('receiver'));
    const herald = s.push(async () => void order.push('herald'));
    await herald();
    await s.stopAll();
    await worktree();
    expect(order).toEqual(['herald', 'receiver', 'worktree']);
  });
});

describe('compare: how a side is started', () => {
  it("takes node's flags and entry from the tree's own start script, and falls back when it has none", async () => {
    const { startArgs } = await import('../../bench/compare/spawn-herald.js');
    const fsMod = await import('node:fs');
    const dir = fsMod.mkdtempSync(`${(await import('node:os')).tmpdir()}/herald-startargs-`);
    try {
      fsMod.writeFileSync(
        `${dir}/package.json`,
        JSON.stringify({ scripts: { start: 'node --max-semi-space-size=32 --import tsx src/main/start.ts' } }),
      );
      expect(startArgs(dir)).toEqual(['--max-semi-space-size=32', '--import', 'tsx', 'src/main/start.ts']);
      fsMod.writeFileSync(`${dir}/package.json`, JSON.stringify({ scripts: { start: 'tsx src/main/start.ts' } }));
      expect(startArgs(dir)).toEqual(['--import', 'tsx', 'src/main/start.ts']);
    } finally {
      fsMod.rmSync(dir, { recursive: true, force: true });
    }
  });
});
