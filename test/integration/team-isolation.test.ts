import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Herald } from '../../src/app/create-herald.js';
import { createHarness, type Harness, mapResolver, startHerald } from '../support/harness.js';
import { type Arrival, startReceiver, waitFor } from '../support/receiver.js';
import { heldTeamLeases } from '../../src/repositories/team-in-flight-repo.js';
import { teamWithType } from '../support/scenario.js';

/**
 * Issue 22, items 4 and 5: one team's hanging endpoints must not take what teams share, neither
 * a worker's attempt slots (the per-team in-flight cap) nor the connections to one origin (a
 * pool per team). Team A's receiver holds every request open until the test releases it; A's
 * attempts would hang for the whole delivery timeout (120 s), far beyond the bounds on team B.
 */
const TIMEOUT_MS = 120_000;
/**
 * B's publish → arrival, generous for a loaded 2-core box; a queued B waits about TIMEOUT_MS. It
 * also holds the SDK's stall of new workflow tasks after a sticky backlog (≤ 5 s, the dev server's
 * LONG_POLL_EXPIRATION; 60 s before it: this test's failures in CI).
 */
const PROMPT_MS = 8_000;

/**
 * A real loopback receiver that keeps every request under `prefix` open until release() (others
 * answer at once). It counts the deliveries (webhook path + event id) with a request open, until
 * the request's connection closes: a re-run of the same attempt on a loaded box (its workflow
 * task retried) holds the same place under the caps, so it is not counted twice.
 */
async function hangingReceiver(prefix: string) {
  const open = new Map<string, number>();
  const arrivals: Arrival[] = [];
  let requests = 0;
  let maxOpen = 0;
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const path = req.url ?? '';
      arrivals.push({ at: Date.now(), method: req.method ?? '', path, headers: req.headers, body: bytes.toString('utf8'), bytes });
      if (!path.startsWith(prefix)) return void res.writeHead(200).end('ok');
      requests++;
      const key = `${path} ${(JSON.parse(bytes.toString('utf8')) as { id: string }).id}`;
      open.set(key, (open.get(key) ?? 0) + 1);
      maxOpen = Math.max(maxOpen, open.size);
      held.add(res);
      res.on('close', () => {
        held.delete(res);
        const n = (open.get(key) ?? 1) - 1;
        if (n === 0) open.delete(key);
        else open.set(key, n);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    arrivals,
    open: () => open.size,
    maxOpen: () => maxOpen,
    requests: () => requests,
    close: async () => {
      for (const res of held) res.writeHead(200).end('ok');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until `n` deliveries hold a request open at the receiver; the error says how many did. */
async function waitOpen(rx: Awaited<ReturnType<typeof hangingReceiver>>, n: number, label: string): Promise<void> {
  await waitFor(() => rx.open() >= n, TIMEOUT_MS / 2, label).catch((err: Error) => {
    throw new Error(`${err.message} (${rx.open()} open, ${rx.requests()} requests)`);
  });
}

/** Publishes one event for team B and returns how long (ms) until it arrived at B's path. */
async function timeToArrival(b: Awaited<ReturnType<typeof teamWithType>>, arrivals: Arrival[], path: string): Promise<number> {
  const t0 = Date.now();
  await b.api.events.publish.mutate({ type: b.type, data: { b: true } });
  const arrival = await waitFor(() => arrivals.find((a) => a.path === path), TIMEOUT_MS / 2, `team B's delivery at ${path}`);
  return arrival.at - t0;
}

describe('per-team in-flight cap', () => {
  let h: Harness;
  let worker: Herald | undefined;
  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS), HERALD_TEAM_MAX_IN_FLIGHT: '6' } });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it("holds a team's open attempts to hanging receivers at its cap, and another team's delivery meanwhile arrives promptly", async () => {
    // 20 attempt slots, and team A's three webhooks could hold 3 × 10 = 30 of them.
    worker = await startHerald(h.config, { worker: true }, { resolve: mapResolver({}), maxConcurrentWorkflowTasks: 20, migrate: false });
    const slow = await hangingReceiver('/a');
    const fast = await startReceiver();
    try {
      const a = await teamWithType(h, 'a.hangs');
      const b = await teamWithType(h, 'b.fast');
      for (const n of [1, 2, 3]) {
        await a.api.webhooks.create.mutate({
          name: `a${n}`,
          url: `${slow.origin}/a${n}`,
          eventTypes: [a.type],
          rateLimitPerSecond: 1000,
          maxInFlight: 10,
        });
      }
      await b.api.webhooks.create.mutate({
        name: 'b',
        url: `${fast.url.replace('/hook', '')}/b`,
        eventTypes: [b.type],
        rateLimitPerSecond: 1000,
      });
      await Promise.all(Array.from({ length: 12 }, (_, i) => a.api.events.publish.mutate({ type: a.type, data: { i } })));
      // A is saturated: its cap of attempts hangs at the receiver, 30 more deliveries wait.
      await waitOpen(slow, 6, "team A's cap of open requests");
      const ms = await timeToArrival(b, fast.arrivals, '/b');
      console.log(
        `team B's delivery arrived ${ms} ms after publish; team A held ${slow.open()} deliveries open (most ${slow.maxOpen()}; ${slow.requests()} requests)`,
      );
      expect(ms).toBeLessThan(PROMPT_MS);
      expect(slow.maxOpen()).toBe(6);
      expect(await heldTeamLeases(h.db, a.teamId)).toHaveLength(6);
    } finally {
      await slow.close();
      await fast.close();
    }
  }, 200_000);
});

describe('HTTP connection pool per team', () => {
  let h: Harness;
  beforeAll(async () => {
    // No team cap in the way: here only the connection pools can keep B from its receiver.
    h = await createHarness({ env: { HERALD_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS), HERALD_TEAM_MAX_IN_FLIGHT: '100' } });
  }, 60_000);
  afterAll(async () => h?.close());

  it("delivers another team's event to the same origin promptly while one team holds its full pool of slow requests there", async () => {
    const shared = await hangingReceiver('/a');
    const { origin } = shared;
    try {
      const a = await teamWithType(h, 'a.hangs');
      const b = await teamWithType(h, 'b.fast');
      // 2 × 40 attempts could be in flight; the team's pool to this origin holds 50 connections.
      for (const n of [1, 2]) {
        await a.api.webhooks.create.mutate({
          name: `a${n}`,
          url: `${origin}/a${n}`,
          eventTypes: [a.type],
          rateLimitPerSecond: 1000,
          maxInFlight: 40,
        });
      }
      const bHook = await b.api.webhooks.create.mutate({ name: 'b', url: `${origin}/b`, eventTypes: [b.type], rateLimitPerSecond: 1000 });
      await Promise.all(Array.from({ length: 45 }, (_, i) => a.api.events.publish.mutate({ type: a.type, data: { i } })));
      await waitOpen(shared, 50, "team A's full pool of open requests");
      const ms = await timeToArrival(b, shared.arrivals, '/b');
      console.log(`team B's delivery to the same origin arrived ${ms} ms after publish; team A held ${shared.open()} open`);
      expect(ms).toBeLessThan(PROMPT_MS);
      // A's own pool bounded it: 80 attempts were in flight, 50 requests reached the origin.
      expect(shared.maxOpen()).toBe(50);
      await waitFor(
        async () => {
          const d = await h.db.selectFrom('deliveries').select(['id', 'status']).where('webhook_id', '=', bHook.id).executeTakeFirst();
          return d?.status === 'succeeded' ? d : undefined;
        },
        10_000,
        "team B's delivery succeeded",
      );
      expect(await heldTeamLeases(h.db, b.teamId)).toEqual([]);
    } finally {
      await shared.close();
    }
  }, 200_000);
});
