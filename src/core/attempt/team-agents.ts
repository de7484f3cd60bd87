import type { Dispatcher } from 'undici';

/** A team's agent is closed once no delivery of the team has used it for this long, ms. */
export const TEAM_AGENT_IDLE_MS = 5 * 60_000;

/**
 * One HTTP agent per team, so one team's slow requests queue only behind its own: each agent
 * keeps its own pool per origin (bounded by the agent's `connections`), and another team's
 * delivery to the same origin dials its own. At most `maxTeams` agents are kept; beyond that,
 * and after TEAM_AGENT_IDLE_MS unused, the least recently used is closed (gracefully: requests
 * it still carries finish). So a worker opens at most maxTeams × connections sockets per origin.
 * Cost per delivery: one Map lookup and re-insert (Map order is the recency order).
 */
export class TeamAgents {
  private readonly agents = new Map<string, { agent: Dispatcher; usedAt: number }>();

  constructor(
    private readonly create: () => Dispatcher,
    private readonly maxTeams: number,
    private readonly idleMs = TEAM_AGENT_IDLE_MS,
  ) {}

  /**
   * The team's agent (or any key's: egress.ts keys webhook agents here), created on first use, by `create` when given. Dispatch on it at once (before awaiting anything):
   * an agent handed out is only closed by a later call, and close lets running requests finish.
   */
  for(teamId: string, create: () => Dispatcher = this.create): Dispatcher {
    const now = Date.now();
    let entry = this.agents.get(teamId);
    if (entry) this.agents.delete(teamId);
    else entry = { agent: create(), usedAt: now };
    entry.usedAt = now;
    this.agents.set(teamId, entry);
    // Oldest first; stops at the first one that may stay, so this is O(1) but for evictions.
    for (const [id, e] of this.agents) {
      if (this.agents.size <= this.maxTeams && now - e.usedAt < this.idleMs) break;
      if (id === teamId) break;
      this.agents.delete(id);
      e.agent.close().catch(() => {});
    }
    return entry.agent;
  }

  /** Teams with an agent now; for tests and operators. */
  get size(): number {
    return this.agents.size;
  }
}
