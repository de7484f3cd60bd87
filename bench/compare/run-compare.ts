import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startReceiverProcess } from '../receiver-client.js';
import { COMPARE_HELP, parseCompareOptions } from './compare-options.js';
import { type CompareResult, type RoundRun, summarizeRounds } from './compare-result.js';
import { compareMarkdown, compareTable } from './compare-report.js';
import { WORKING_TREE, prepareBaseTree, resolveRef, workingTreeState } from './git-worktree.js';
import { machineInfo, runRounds, signalStop } from './run-rounds.js';
import { spawnHerald } from './spawn-herald.js';

// `npm run bench -- --compare <git-ref>`: the ref ("base", in a temporary worktree) and the
// working tree ("new") run the same phases as black boxes, interleaved base, new, base, new …
// Every process started here is stopped on success, on failure and on Ctrl-C / SIGTERM.

const RESULTS_DIR = path.join(WORKING_TREE, 'bench', 'results');

export async function runCompare(argv: readonly string[]): Promise<void> {
  const opts = parseCompareOptions(argv);
  if (opts === 'help') {
    console.log(COMPARE_HELP);
    return;
  }
  const say = (line: string) => console.log(`[compare ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const baseSha = await resolveRef(opts.ref);
  const head = await workingTreeState();
  const loadAvgAtStart = os.loadavg();
  say(
    `base ${opts.ref} = ${baseSha.slice(0, 12)}; new = working tree ${WORKING_TREE} at ${head.sha.slice(0, 12)}${head.dirty ? ' (uncommitted changes)' : ''}`,
  );

  // Whatever is running now; a signal stops it all (newest first) before exiting.
  const stack = signalStop(say);
  const base = await prepareBaseTree(baseSha, say);
  const removeBase = stack.running.push(async () => {
    if (opts.keepWorktree) say(`base tree kept at ${base.dir} (--keep-worktree)`);
    else await base.remove();
  });
  let rounds: RoundRun[];
  try {
    const rx = await startReceiverProcess();
    const stopRx = stack.running.push(rx.stop);
    try {
      rounds = await runRounds({
        rounds: opts.rounds,
        sides: [
          {
            side: 'base',
            what: `Herald ${opts.ref} at ${base.dir}`,
            spawn: (label, track) => spawnHerald(base.dir, `${label} (${opts.ref})`, say, track),
          },
          {
            side: 'new',
            what: `Herald in the working tree ${WORKING_TREE}`,
            spawn: (label, track) => spawnHerald(WORKING_TREE, `${label} (working tree)`, say, track),
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
    await removeBase();
    stack.dispose();
  }

  const result: CompareResult = {
    startedAt,
    runtimeSeconds: Math.round((Date.now() - t0) / 1000),
    base: { ref: opts.ref, sha: baseSha },
    new: { ref: 'working tree', sha: head.sha, dirty: head.dirty },
    machine: machineInfo(loadAvgAtStart),
    options: { ...opts },
    rounds,
    ...summarizeRounds(rounds),
  };
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `compare-${startedAt.slice(0, 19).replace(/:/g, '-')}`);
  await fs.writeFile(`${file}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await fs.writeFile(`${file}.md`, compareMarkdown(result));
  console.log(`\n${compareTable(result)}\n`);
  say(`ratios new ÷ base: ${JSON.stringify(result.ratios)}`);
  say(`results: ${file}.json and .md (${result.runtimeSeconds} s)`);
}
