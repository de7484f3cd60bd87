import { describe, expect, it, vi } from 'vitest';
import type { Dispatcher } from 'undici';
import { TeamAgents } from '../../src/core/attempt/team-agents.js';

/** Stand-in agents: TeamAgents only creates, hands out and closes them. */
function fakes() {
  const made: { id: number; close: ReturnType<typeof vi.fn> }[] = [];
  const create = () => {
    const a = { id: made.length, close: vi.fn(async () => {}) };
    made.push(a);
    return a as unknown as Dispatcher;
  };
  return { made, create };
}

describe('TeamAgents', () => {
  it('gives each team its own agent and the same one on every call', () => {
    const { made, create } = fakes();
    const agents = new TeamAgents(create, 10);
    const a = agents.for('team_a');
    const b = agents.for('team_b');
    expect(a).not.toBe(b);
    expect(agents.for('team_a')).toBe(a);
    expect(made).toHaveLength(2);
  });

  it('closes the least recently used team agent beyond the most kept', () => {
    const { made, create } = fakes();
    const agents = new TeamAgents(create, 2);
    agents.for('a');
    agents.for('b');
    agents.for('a'); // b is now the least recently used
    agents.for('c');
    expect(agents.size).toBe(2);
    expect(made[1]!.close).toHaveBeenCalledTimes(1);
    expect(made[0]!.close).not.toHaveBeenCalled();
    // b comes back with a new agent.
    agents.for('b');
    expect(made).toHaveLength(4);
    expect(made[0]!.close).toHaveBeenCalledTimes(1);
  });

  it('closes agents unused for the idle time on the next call, never the one handed out', () => {
    vi.useFakeTimers();
    try {
      const { made, create } = fakes();
      const agents = new TeamAgents(create, 10, 1_000);
      agents.for('a');
      vi.advanceTimersByTime(500);
      agents.for('b');
      vi.advanceTimersByTime(600);
      const again = agents.for('c');
      expect(made[0]!.close).toHaveBeenCalledTimes(1);
      expect(made[1]!.close).not.toHaveBeenCalled();
      vi.advanceTimersByTime(5_000);
      expect(agents.for('c')).toBe(again);
      expect(made[1]!.close).toHaveBeenCalledTimes(1);
      expect(made[2]!.close).not.toHaveBeenCalled();
      expect(agents.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
