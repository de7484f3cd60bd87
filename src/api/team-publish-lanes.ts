/**
 * Per-team publish lanes: at most `limit` publishes of one team are stored and started at once
 * in this API process; the rest wait their turn, in arrival order. Work-conserving: a team alone
 * publishes as fast as its calls complete, but a team that floods the API gets no more than
 * `limit` calls' worth of the database and Temporal at a time, however many it sends in
 * parallel, so its burst slows down with the machine instead of saturating it for everyone
 * (README "Noisy neighbours"). `limit` 0: no lanes. The API keeps one set for publishes and one
 * for reads (HERALD_TEAM_PUBLISH_CONCURRENCY, HERALD_TEAM_READ_CONCURRENCY).
 */
export interface TeamPublishLanes {
  run<T>(teamId: string, work: () => Promise<T>): Promise<T>;
  /** Calls of the team running or waiting (tests, metrics). */
  load(teamId: string): number;
}

export function createTeamPublishLanes(limit: number): TeamPublishLanes {
  const lanes = new Map<string, { active: number; waiting: (() => void)[] }>();
  return {
    async run(teamId, work) {
      if (limit <= 0) return work();
      let lane = lanes.get(teamId);
      if (!lane) lanes.set(teamId, (lane = { active: 0, waiting: [] }));
      if (lane.active >= limit) await new Promise<void>((resolve) => lane!.waiting.push(resolve));
      else lane.active++;
      try {
        return await work();
      } finally {
        // Hand the place straight to the next waiter (it does not count itself in again).
        const next = lane.waiting.shift();
        if (next) next();
        else if (--lane.active === 0) lanes.delete(teamId);
      }
    },
    load(teamId) {
      const lane = lanes.get(teamId);
      return lane ? lane.active + lane.waiting.length : 0;
    },
  };
}
