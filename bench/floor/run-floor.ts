import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WORKING_TREE, workingTreeState } from '../compare/git-worktree.js';
import { startReceiverProcess } from '../receiver-client.js';
import type { RoundRun } from '../compare/compare-result.js';
import { machineInfo, runRounds, signalStop } from '../compare/run-rounds.js';
import { LOAD_TARGET_PATH } from '../compare/run-side.js';
import { spawnHerald, startArgs } from '../compare/spawn-herald.js';
import { FLOOR_TARGET_ENV, parseFloorStartOutput } from './floor-start.js';
import { FLOOR_HELP, parseFloorOptions } from './floor-options.js';
import { type FloorResult, type FloorSide, summarizeFloorRounds } from './floor-result.js';
import { floorMarkdown, floorTable } from './floor-report.js';

// `npm run bench -- --floor [--rounds N] [--quick] [--duration S] [--rate N]`: the working tree's
// Herald and the floor (floor-server.ts) through the --compare phases, interleaved herald, floor …
// Both are spawned the same way (spawnHerald: Herald's environment, fresh data dir and ports, the
// tree's node flags), so the Temporal dev server under each is the same binary with the same flags.

const FLOOR_ENTRY = 'bench/floor/floor-server.ts';

/** node's arguments for the floor: the working tree's `npm start` flags, with the floor as entry. */
export function floorArgs(tree: string): string[] {
  const args = startArgs(tree);
  return [...args.slice(0, -1), FLOOR_ENTRY];
}

export async function runFloor(argv: readonly string[]): Promise<void> {
  const opts = parseFloorOptions(argv);
  if (opts === 'help') {
    console.log(FLOOR_HELP);
    return;
  }
  const say = (line: string) => console.log(`[floor ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const head = await workingTreeState();
  const loadAvgAtStart = os.loadavg();
  say(
    `herald = working tree ${WORKING_TREE} at ${head.sha.slice(0, 12)}${head.dirty ? ' (uncommitted changes)' : ''}; floor = ${FLOOR_ENTRY}`,
  );
  const stack = signalStop(say);
  let rounds: RoundRun<FloorSide>[];
  try {
    const rx = await startReceiverProcess();
    const stopRx = stack.running.push(rx.stop);
    const program = { args: floorArgs(WORKING_TREE), parse: parseFloorStartOutput };
    try {
      rounds = await runRounds<FloorSide>({
        rounds: opts.rounds,
        sides: [
          {
            side: 'herald',
            what: `Herald in the working tree ${WORKING_TREE}`,
            spawn: (label, track) => spawnHerald(WORKING_TREE, label, say, track),
          },
          {
            side: 'floor',
            what: `the floor (${FLOOR_ENTRY})`,
            spawn: (label, track) =>
              spawnHerald(WORKING_TREE, label, say, track, { [FLOOR_TARGET_ENV]: `${rx.url}${LOAD_TARGET_PATH}` }, program),
            apiSetUp: false,
          },
        ],
        phases: opts,
        rx,
        stack,
        say,
      });
    } finally {
      await stopRx();
    }
  } finally {
    stack.dispose();
  }
  const result: FloorResult = {
    startedAt,
    runtimeSeconds: Math.round((Date.now() - t0) / 1000),
    herald: { sha: head.sha, dirty: head.dirty },
    machine: machineInfo(loadAvgAtStart),
    options: { ...opts },
    rounds,
    ...summarizeFloorRounds(rounds),
  };
  const dir = path.join(WORKING_TREE, 'bench', 'results');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `floor-${startedAt.slice(0, 19).replace(/:/g, '-')}${opts.quick ? '-quick' : ''}`);
  await fs.writeFile(`${file}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await fs.writeFile(`${file}.md`, floorMarkdown(result));
  console.log(`\n${floorTable(result)}\n`);
  say(`ratios herald ÷ floor: ${JSON.stringify(result.ratios)}`);
  say(`results: ${file}.json and .md (${result.runtimeSeconds} s)`);
}
