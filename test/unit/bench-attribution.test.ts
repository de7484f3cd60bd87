import { describe, expect, it } from 'vitest';
import { type CpuProfile, categorize } from '../../bench/attribution/profile-categories.js';

/** A profile whose samples are the given leaf nodes, each 1 ms apart. */
function profile(nodes: CpuProfile['nodes'], samples: number[]): CpuProfile {
  return { nodes, samples, timeDeltas: [0, ...samples.map(() => 1000)] };
}
const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url },
  children,
});

describe("the bench's attribution of a CPU profile", () => {
  it('counts a library call for the Herald part that made it, and a bare library call for the library; idle is left out', () => {
    const p = profile(
      [
        frame(1, '(root)', '', [2, 5, 7, 8]),
        frame(2, 'runAttempt', 'file:///w/src/core/attempt/run-attempt.ts', [3]),
        frame(3, 'query', 'file:///w/node_modules/pg/lib/client.js', [4]),
        frame(4, 'writev', ''),
        frame(5, 'poll', 'file:///w/node_modules/@temporalio/worker/lib/worker.js', [6]),
        frame(6, 'temporal_sdk_typescript_bridge::x', ''),
        frame(7, '(idle)', ''),
        frame(8, '(garbage collector)', ''),
      ],
      [4, 3, 5, 6, 7, 7, 8],
    );
    const parts = categorize(p);
    expect(Object.fromEntries(parts)).toEqual({
      'attempt: load, sign, send, record, metrics (src/core/attempt)': 2,
      'Temporal SDK, JavaScript (worker, client, payloads, rxjs)': 1,
      'Temporal SDK, native bridge calls': 1,
      'garbage collector': 1,
    });
  });

  it('counts the publish path by its deepest Herald part: the fan-out under the router is the fan-out', () => {
    const p = profile(
      [
        frame(1, '(root)', '', [2]),
        frame(2, 'handle', 'file:///w/src/api/http-server.ts', [3, 4]),
        frame(3, 'fanOut', 'file:///w/src/core/fan-out.ts'),
        frame(4, 'parse', 'file:///w/node_modules/zod/index.js'),
      ],
      [3, 4, 4],
    );
    expect(Object.fromEntries(categorize(p))).toEqual({
      'publish: event insert, fan-out, workflow start (src/core)': 1,
      'publish: HTTP, tRPC, validation, auth (src/api)': 2,
    });
  });
});
