import os from 'node:os';
import type { ReceiverProcess } from '../receiver-client.js';
import type { RoundRun } from './compare-result.js';
import { type PhaseOptions, runSide } from './run-side.js';
import type { SpawnedHerald } from './spawn-herald.js';
import { stopStack } from './stop-stack.js';

// The interleaved rounds of a two-sided run (`--compare`, `--floor`): every round runs each side
// in turn on a fresh process through the same phases (run-side.ts), and stops it before the next.

/** One side of the run: how to start it fresh, and what it is for error messages. */
export interface SideSpec<S extends string> {
  side: S;
  /** What runs, where (e.g. "working tree /work/x"), for error messages. */
  what: string;
  /** Starts it; `track` gets its stop function as soon as the process exists. */
  spawn: (label: string, track: (stop: () => Promise<void>) => void) => Promise<SpawnedHerald>;
  /** False for a side without Herald's API (run-side.ts apiSetUp). Default true. */
  apiSetUp?: boolean;
}

/**
 * What runs now, as a stop stack, and a SIGINT/SIGTERM handler that stops it all (newest first)
 * and exits 130. `dispose` removes the handler.
 */
export function signalStop(say: (line: string) => void) {
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
  return {
    running,
    interrupted: () => interrupted,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
export type SignalStop = ReturnType<typeof signalStop>;

/** Rounds 1 … `rounds` of every side in `sides` order, each on a fresh process; fails on the first side that fails. */
export async function runRounds<S extends string>(o: {
  rounds: number;
  sides: readonly SideSpec<S>[];
  phases: PhaseOptions;
  rx: ReceiverProcess;
  stack: SignalStop;
  say: (line: string) => void;
}): Promise<RoundRun<S>[]> {
  const { say, stack } = o;
  const runs: RoundRun<S>[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const spec of o.sides) {
      const label = `round ${round}/${o.rounds} ${spec.side}`;
      if (stack.interrupted()) throw new Error(`${label}: interrupted by a signal`);
      say(`${label}: starting ${spec.what}`);
      // Registered as soon as the process exists, so a Ctrl-C during startup stops it too.
      let stopSide = async (): Promise<void> => undefined;
      const h = await spec.spawn(label, (stop) => {
        stopSide = stack.running.push(stop);
      });
      say(`${label}: pid ${h.pid} up in ${h.startupSeconds.toFixed(1)} s at ${h.apiUrl}`);
      try {
        const run = await runSide(h, o.rx, o.phases, (line) => say(`${label}: ${line}`), { apiSetUp: spec.apiSetUp ?? true });
        runs.push({ round, side: spec.side, ...run });
      } catch (err) {
        if (stack.interrupted()) throw new Error(`${label}: interrupted by a signal`);
        throw new Error(
          `${label} (${spec.what}) failed: ${err instanceof Error ? err.message : String(err)}\n--- its last output ---\n${h.tail()}`,
        );
      } finally {
        await stopSide();
      }
    }
  }
  return runs;
}

/** The machine, for a result's header. */
export function machineInfo(loadAvgAtStart: number[]) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAvgAtStart,
  };
}
