import { describe, expect, it } from 'vitest';
import { AttemptRuns } from '../../src/core/attempt/attempt-runs.js';
import type { AttemptOutcome } from '../../src/core/attempt/attempt-types.js';

const stopped = (reason: string): AttemptOutcome => ({ kind: 'stopped', reason });
const key = { deliveryId: 'dlv_1', runId: 'run-a', attempt: 1 };

/** A run that ends when told to, counting how often it was started. */
function deferredRun() {
  let settle!: (o: AttemptOutcome | Error) => void;
  let starts = 0;
  const run = () => {
    starts++;
    return new Promise<AttemptOutcome>((resolve, reject) => {
      settle = (o) => (o instanceof Error ? reject(o) : resolve(o));
    });
  };
  return { run, settle: (o: AttemptOutcome | Error) => settle(o), starts: () => starts };
}

describe('attempt runs in progress', () => {
  it('a second run of the same attempt while the first is in progress answers the first run’s outcome without starting', async () => {
    const runs = new AttemptRuns();
    const d = deferredRun();
    const first = runs.join(key, d.run);
    expect(runs.has(key)).toBe(true);
    const second = runs.join({ ...key }, d.run);
    d.settle(stopped('once'));
    expect(await first).toEqual(stopped('once'));
    expect(await second).toEqual(stopped('once'));
    expect(d.starts()).toBe(1);
    expect(runs.has(key)).toBe(false);
  });

  it('another attempt number, another workflow run or another delivery is run on its own', async () => {
    const runs = new AttemptRuns();
    const d = deferredRun();
    const first = runs.join(key, d.run);
    const others = [
      runs.join({ ...key, attempt: 2 }, async () => stopped('attempt 2')),
      runs.join({ ...key, runId: 'run-b' }, async () => stopped('run b')),
      runs.join({ ...key, deliveryId: 'dlv_2' }, async () => stopped('delivery 2')),
    ];
    expect(await Promise.all(others)).toEqual([stopped('attempt 2'), stopped('run b'), stopped('delivery 2')]);
    d.settle(stopped('first'));
    expect(await first).toEqual(stopped('first'));
  });

  it('a run that failed fails every joined run and is forgotten, so the next run starts afresh', async () => {
    const runs = new AttemptRuns();
    const d = deferredRun();
    const first = runs.join(key, d.run);
    const second = runs.join(key, d.run);
    d.settle(new Error('postgres down'));
    await expect(first).rejects.toThrow('postgres down');
    await expect(second).rejects.toThrow('postgres down');
    expect(runs.has(key)).toBe(false);
    expect(await runs.join(key, async () => stopped('again'))).toEqual(stopped('again'));
  });

  it('a run that ended is forgotten: a later run of the same attempt starts again', async () => {
    const runs = new AttemptRuns();
    let starts = 0;
    const run = async () => {
      starts++;
      return stopped('done');
    };
    await runs.join(key, run);
    await runs.join(key, run);
    expect(starts).toBe(2);
  });
});
