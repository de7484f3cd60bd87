import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { describe, expect, it, vi } from 'vitest';
import type { RoundRun } from '../../bench/compare/compare-result.js';
import type { SideFigures } from '../../bench/compare/run-side.js';
import { parseFloorOptions } from '../../bench/floor/floor-options.js';
import { floorTable } from '../../bench/floor/floor-report.js';
import { type FloorSide, floorRatios, summarizeFloorRounds } from '../../bench/floor/floor-result.js';
import { parseFloorStartOutput } from '../../bench/floor/floor-start.js';
import { floorWorkerOptions } from '../../bench/floor/floor-worker-options.js';
import { floorArgs } from '../../bench/floor/run-floor.js';
import type { ActivityDeps } from '../../src/activities/create-activities.js';
import { loadConfig } from '../../src/config.js';
import { createHeraldWorker } from '../../src/worker/create-worker.js';

// The pure parts of `npm run bench -- --floor`; nothing here starts Herald, the floor or Temporal.
// Worker.create is replaced only to read the options createHeraldWorker passes it.
vi.mock('@temporalio/worker', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@temporalio/worker')>()),
  Worker: { create: vi.fn(async (o: WorkerOptions) => o) },
}));

/** A side's figures: `cpu` total ms/delivery at 50/s (half node, half Temporal), `cpu25` at 25/s. */
const figures = (cpu: number, cpu25: number, sustained: number, p99: number, postgres = Number.NaN): SideFigures => ({
  startupSeconds: 5,
  idleCpuMsPerSecond: { herald: 2, temporal: 2, postgres, total: 4, heraldThreads: {} },
  latency: { rate: 25, p50: p99 / 2, p95: p99 / 1.5, p99, publishP99: 3 },
  latencyCpuPerDelivery: { rate: 25, herald: cpu25 / 2, temporal: cpu25 / 2, postgres, total: cpu25, heraldThreads: {} },
  cpuPerDelivery: { rate: 50, herald: cpu / 2, temporal: cpu / 2, postgres, total: cpu, heraldThreads: { node: cpu / 4 } },
  sustainedDeliveriesPerSecond: sustained,
});

describe('parseFloorOptions', () => {
  it('takes the compare phases: 2 rounds of 10 s steps by default, 5 s with --quick, a ladder cut by --rate', () => {
    const d = parseFloorOptions(['--floor']);
    expect(d).toMatchObject({ quick: false, rounds: 2, durationSeconds: 10, latencyRate: 25, cpuRate: 50 });
    expect(d !== 'help' && d.ladder).toEqual([25, 50, 75, 100, 150, 200, 300, 400]);
    expect(parseFloorOptions(['--floor', '--quick', '--rounds', '1', '--rate', '100'])).toMatchObject({
      quick: true,
      rounds: 1,
      durationSeconds: 5,
      ladder: [25, 50, 75, 100],
    });
    expect(parseFloorOptions(['--floor', '--help'])).toBe('help');
  });

  it('has no git ref: refuses --compare, --keep-worktree, unknown options and out-of-range values, naming them', () => {
    expect(() => parseFloorOptions(['--floor', '--compare', 'main'])).toThrow(/--compare: not an option of --floor/);
    expect(() => parseFloorOptions(['--floor', '--keep-worktree'])).toThrow(/--keep-worktree: not an option of --floor/);
    expect(() => parseFloorOptions(['--floor', '--fanout', '2'])).toThrow(/--fanout: not an option of --floor/);
    expect(() => parseFloorOptions(['--floor', '--rounds', '0'])).toThrow(/--rounds must be a whole number/);
  });
});

describe('floor ratios', () => {
  it('are herald ÷ floor: CPU per delivery at 50/s and 25/s, by process, sustained rate and p99 at 25/s', () => {
    const r = floorRatios(figures(2, 4, 400, 20), figures(6, 10, 200, 50, 1));
    expect(r).toMatchObject({
      cpuPerDeliveryRatio: 3,
      cpuPerDeliveryAt25Ratio: 2.5,
      cpuPerDeliveryByProcessRatio: { node: 3, temporal: 3 },
      sustainedRatio: 0.5,
      p99At25Ratio: 2.5,
      idleCpuRatio: 1,
    });
  });

  it('are null in the JSON when the floor has no figure (a figure of 0 or none)', () => {
    const floor = figures(0, Number.NaN, 0, 20);
    const r = JSON.parse(JSON.stringify(floorRatios(floor, figures(6, 10, 200, 50))));
    expect(r.cpuPerDeliveryRatio).toBeNull();
    expect(r.cpuPerDeliveryAt25Ratio).toBeNull();
    expect(r.sustainedRatio).toBeNull();
    expect(r.p99At25Ratio).toBe(2.5);
  });

  it('are taken from the medians per side over rounds', () => {
    const run = (round: number, side: FloorSide, f: SideFigures): RoundRun<FloorSide> => ({
      round,
      side,
      figures: f,
      raw: {} as RoundRun['raw'],
    });
    const s = summarizeFloorRounds([
      run(1, 'herald', figures(6, 10, 200, 50, 1)),
      run(1, 'floor', figures(2, 4, 400, 20)),
      run(2, 'herald', figures(8, 12, 150, 70, 1)),
      run(2, 'floor', figures(2, 4, 300, 20)),
    ]);
    expect(s.median.herald.cpuPerDelivery.total).toBe(7);
    expect(s.median.floor.sustainedDeliveriesPerSecond).toBe(350);
    expect(s.ratios).toMatchObject({ cpuPerDeliveryRatio: 3.5, cpuPerDeliveryAt25Ratio: 2.75, sustainedRatio: 0.5, p99At25Ratio: 3 });
  });

  it('print as a table with floor and herald columns and herald ÷ floor', () => {
    const table = floorTable({ median: { herald: figures(6, 10, 200, 50, 1), floor: figures(2, 4, 400, 20) } });
    expect(table).toContain('| figure | floor | herald | herald ÷ floor |');
    expect(table).toContain('| **CPU ms per delivery at 50/s, total** | 2 | 6 | 3× |');
    expect(table).toContain('| CPU ms per delivery at 25/s, total | 4 | 10 | 2.5× |');
    expect(table).toContain('| CPU ms per delivery at 50/s, PostgreSQL | n/a | 1 | n/a |');
  });
});

describe('the floor program', () => {
  it('is running once it prints its ready line, and needs no API key', () => {
    expect(parseFloorStartOutput('starting\n')).toEqual({ running: false });
    expect(parseFloorStartOutput('\nFloor is running (ready in 3.1 s): publish at …\n').running).toBe(true);
  });

  it("runs with the tree's own node flags, the floor server as its entry", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-floorargs-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ scripts: { start: 'node --max-semi-space-size=32 --import tsx src/main/start.ts' } }),
      );
      expect(floorArgs(dir)).toEqual(['--max-semi-space-size=32', '--import', 'tsx', 'bench/floor/floor-server.ts']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uses the worker settings Herald's worker is created with, for the default and a changed config", async () => {
    for (const env of [{}, { HERALD_WORKFLOW_THREAD: 'true', HERALD_WORKFLOW_DEADLOCK_TIMEOUT_MS: '5000' }]) {
      const config = loadConfig(env);
      const passed = (await createHeraldWorker({
        connection: {} as NativeConnection,
        namespace: 'default',
        taskQueue: 'q',
        deps: { config } as ActivityDeps,
        workflowBundle: { code: '' },
      })) as unknown as WorkerOptions;
      const { connection, namespace, taskQueue, activities, workflowBundle, workflowsPath, interceptors, sinks, ...settings } = passed;
      expect(settings).toEqual(floorWorkerOptions(config));
    }
  });
});
