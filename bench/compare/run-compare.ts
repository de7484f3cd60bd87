import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startReceiverProcess } from '../receiver-client.js';
import { COMPARE_HELP, parseCompareOptions } from './compare-options.js';
import { type CompareResult, type RoundRun, type Side, summarizeRounds } from './compare-result.js';
import { compareMarkdown, compareTable } from './compare-report.js';
import { WORKING_TREE, prepareBaseTree, resolveRef, workingTreeState } from './git-worktree.js';
import { runSide } from './run-side.js';
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
  say(`base ${opts.ref} = ${baseSha.slice(0, 12)}; new = working tree ${WORKING_TREE} at ${head.sha.slice(0, 12)}${head.dirty ? ' (uncommitted changes)' : ''}`);

  // Stop functions of whatever is running now; a signal runs them all before exiting.
  const running = new Set<() => Promise<void>>();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping everything this run started`);
    void Promise.allSettled([...running].map((stop) => stop())).then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const base = await prepareBaseTree(baseSha, say);
  const removeBase = async () => {
    if (opts.keepWorktree) say(`base tree kept at ${base.dir} (--keep-worktree)`);
    else await base.remove();
  };
  running.add(removeBase);
  const rounds: RoundRun[] = [];
  try {
    const rx = await startReceiverProcess();
    running.add(rx.stop);
    try {
      for (let round = 1; round <= opts.rounds; round++) {
        for (const side of ['base', 'new'] as Side[]) {
          const label = `round ${round}/${opts.rounds} ${side}`;
          const tree = side === 'base' ? base.dir : WORKING_TREE;
          if (interrupted) throw new Error('interrupted');
          say(`${label}: starting Herald in ${tree}`);
          const h = await spawnHerald(tree, `${label} (${side === 'base' ? opts.ref : 'working tree'})`, say, (stop) => running.add(stop));
          say(`${label}: Herald pid ${h.pid} up in ${h.startupSeconds.toFixed(1)} s at ${h.apiUrl}`);
          try {
            const run = await runSide(h, rx, opts, (line) => say(`${label}: ${line}`));
            rounds.push({ round, side, ...run });
          } catch (err) {
            throw new Error(`${label} (${side === 'base' ? `${opts.ref} at ${base.dir}` : `working tree ${WORKING_TREE}`}) failed: ${err instanceof Error ? err.message : String(err)}\n--- Herald's last output ---\n${h.tail()}`);
          } finally {
            await h.stop();
            running.delete(h.stop);
          }
        }
      }
    } finally {
      await rx.stop();
      running.delete(rx.stop);
    }
  } finally {
    await removeBase();
    running.delete(removeBase);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const result: CompareResult = {
    startedAt,
    runtimeSeconds: Math.round((Date.now() - t0) / 1000),
    base: { ref: opts.ref, sha: baseSha },
    new: { ref: 'working tree', sha: head.sha, dirty: head.dirty },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvgAtStart },
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
