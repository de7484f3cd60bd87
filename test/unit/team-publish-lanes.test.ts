import { describe, expect, it } from 'vitest';
import { createTeamPublishLanes } from '../../src/api/team-publish-lanes.js';

/** A call that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('per-team publish lanes', () => {
  it("runs at most the limit of one team's calls at once; the rest wait and start in arrival order", async () => {
    const lanes = createTeamPublishLanes(2);
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const calls = gates.map((g, i) => lanes.run('team_a', async () => (started.push(i), await g.opened, i)));
    await tick();
    expect(started).toEqual([0, 1]);
    expect(lanes.load('team_a')).toBe(4);
    gates[1]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]!.open();
    gates[3]!.open();
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3]);
    expect(lanes.load('team_a')).toBe(0);
  });

  it("never holds one team's call behind another team's full lane", async () => {
    const lanes = createTeamPublishLanes(1);
    const a = gate();
    const aCall = lanes.run('team_a', () => a.opened);
    const aQueued = lanes.run('team_a', async () => 'a2');
    expect(await lanes.run('team_b', async () => 'b')).toBe('b');
    expect(lanes.load('team_a')).toBe(2);
    a.open();
    await aCall;
    expect(await aQueued).toBe('a2');
  });

  it('frees the place of a call that fails', async () => {
    const lanes = createTeamPublishLanes(1);
    await expect(lanes.run('team_a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lanes.run('team_a', async () => 'next')).toBe('next');
    expect(lanes.load('team_a')).toBe(0);
  });

  it('with limit 0 runs every call at once', async () => {
    const lanes = createTeamPublishLanes(0);
    const gates = [gate(), gate(), gate()];
    let running = 0;
    const calls = gates.map((g) => lanes.run('team_a', async () => (running++, await g.opened)));
    await tick();
    expect(running).toBe(3);
    for (const g of gates) g.open();
    await Promise.all(calls);
  });
});
