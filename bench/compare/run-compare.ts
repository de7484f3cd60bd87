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
import { stopStack } from './stop-stack.js';

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
  const running = stopStack();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping everything this run started`);
    void running.stopAll().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const base = await prepareBaseTree(baseSha, say);
  const removeBase = running.push(async () => {
    if (opts.keepWorktree) say(`base tree kept at ${base.dir} (--keep-worktree)`);
    else await base.remove();
  });
  const rounds: RoundRun[] = [];
  try {
    const rx = await startReceiverProcess();
    const stopRx = running.push(rx.stop);
    try {
      for (let round = 1; round <= opts.rounds; round++) {
        for (const side of ['base', 'new'] as Side[]) {
          const label = `round ${round}/${opts.rounds} ${side}`;
          const tree = side === 'base' ? base.dir : WORKING_TREE;
          if (interrupted) throw new Error(`${label}: interrupted by a signal`);
          say(`${label}: starting Herald in ${tree}`);
          // Registered as soon as the process exists, so a Ctrl-C during startup stops it too.
          let stopHerald = async (): Promise<void> => undefined;
          const h = await spawnHerald(tree, `${label} (${side === 'base' ? opts.ref : 'working tree'})`, say, (stop) => {
            stopHerald = running.push(stop);
          });
          say(`${label}: Herald pid ${h.pid} up in ${h.startupSeconds.toFixed(1)} s at ${h.apiUrl}`);
          try {
            const run = await runSide(h, rx, opts, (line) => say(`${label}: ${line}`));
            rounds.push({ round, side, ...run });
          } catch (err) {
            if (interrupted) throw new Error(`${label}: interrupted by a signal`);
            throw new Error(
              `${label} (${side === 'base' ? `${opts.ref} at ${base.dir}` : `working tree ${WORKING_TREE}`}) failed: ${err instanceof Error ? err.message : String(err)}\n--- Herald's last output ---\n${h.tail()}`,
            );
          } finally {
            await stopHerald();
          }
        }
      }
    } finally {
      await stopRx();
    }
  } finally {
    await removeBase();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const result: CompareResult = {
    startedAt,
    runtimeSeconds: Math.round((Date.now() - t0) / 1000),
    base: { ref: opts.ref, sha: baseSha },
    new: { ref: 'working tree', sha: head.sha, dirty: head.dirty },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAvgAtStart,
    },
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
