import { createHeraldClient, type HeraldClient } from '../src/api/client.js';
import { createTeamWithKey } from '../src/app/bootstrap-team.js';
import { startReceiver } from '../test/support/receiver.js';
import { deliveryWorkflowId as deliveryIdOf } from '../src/workflows/delivery-contract.js';
import { startCluster } from './cluster.js';
import { startHangingReceiver } from './hanging-receiver.js';
import { type Breakdown, latencyBreakdown } from './latency-breakdown.js';
import { type QueueSample, type QueueSummary, startQueueSampler } from './queue-sampler.js';
import { freePort } from '../test/support/free-port.js';
import { type PublishReport, publishSteadily } from './publisher.js';

/**
 * Noisy neighbours (issue 13): team A has 5 endpoints that never answer (each attempt holds its
 * place for the whole delivery timeout), a 1000/s rate limit and a 2,000-event backlog (400
 * events per endpoint, each endpoint subscribed to its own type); team B has one healthy
 * endpoint fed at 20 events/s. B's end-to-end latency (publish call start → arrival at B's
 * receiver) is measured with A absent, then with A's backlog published at full speed alongside,
 * in the same cluster. Bounded: fixed counts, every wait has a deadline, loopback only.
 */
export interface NoisyOptions {
  aEvents: number;
  bRate: number;
  /** Seconds of B traffic in each phase (A absent, A present). */
  bSeconds: number;
  timeoutMs: number;
  deadlineMs: number;
  /** Pass if B's p99 with A present ≤ factor × p99 with A absent + marginMs. */
  boundFactor: number;
  boundMarginMs: number;
  /** Task-queue fairness by team on the dev server (false: the FIFO queue, for the before/after table). */
  fairness: boolean;
  /**
   * API calls per minute per key (HERALD_API_RATE_LIMIT_PER_MINUTE); 1,000,000 (the default here)
   * lets A publish as fast as the box takes it. A's backlog publisher waits and retries on 429.
   */
  apiLimitPerMinute: number;
  /** A's publishing pace, events/s; 0: as fast as the API takes them (the default). */
  aRate: number;
  /** HERALD_TEAM_PUBLISH_CONCURRENCY for the API; undefined: Herald's default. */
  teamLanes?: number;
}

export interface LatencyStats {
  events: number;
  arrived: number;
  p50: number;
  p99: number;
  max: number;
}

export interface NoisyResult {
  absent: LatencyStats;
  present: LatencyStats;
  /** B events published after A's whole backlog had been accepted. */
  presentAfterBacklog: LatencyStats;
  boundMs: number;
  withinBound: boolean;
  bLost: number;
  aAccepted: number;
  aRefused: string;
  /** Times A's publisher got 429 (over the per-key API limit) and sent the event again. */
  aThrottled: number;
  aBacklogSeconds: number;
  aStatuses: Record<string, number>;
  aMissing: number;
  aAttempts: number;
  aRequests: number;
  aMaxOpenPerEndpoint: number[];
  /** Most attempts of one A webhook whose [start, start + duration] overlapped, from Herald's own attempt records. */
  aMaxOverlapPerEndpoint: number[];
  defaultCap: number | null;
  /** Times an attempt was refused for its webhook's concurrency cap (worker debug log), for B and for A. */
  bWaits: number;
  aWaits: number;
  /** B's moving-average lease hold at the end, ms (null without the cap). */
  bHoldMs: number | null;
  /** B's deliveries by status at the end (those not arrived are still queued or retrying, not gone). */
  bStatuses: Record<string, number>;
  /** Where B's 20 slowest deliveries with A present spent their time (medians, from their histories). */
  bSlowest: Breakdown;
  /** The workflow-task backlog and the worker's free slots, sampled each second in phase 2. */
  queue: QueueSummary;
  queueSamples: QueueSample[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function stats(ids: string[], sentAt: Map<string, number>, arrivedAt: Map<string, number>): LatencyStats {
  const lat = ids
    .filter((id) => arrivedAt.has(id))
    .map((id) => arrivedAt.get(id)! - sentAt.get(id)!)
    .sort((a, b) => a - b);
  return {
    events: ids.length,
    arrived: lat.length,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    max: lat[lat.length - 1] ?? Number.NaN,
  };
}

/** Most intervals [start, end) that overlap at one instant. */
function maxOverlap(intervals: (readonly [number, number])[]): number {
  const edges = intervals
    .flatMap(
      ([a, b]) =>
        [
          [a, 1],
          [b, -1],
        ] as const,
    )
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  return most;
}

/**
 * Publishes `count` events round-robin over `types`, `parallel` calls at a time: as fast as the
 * API takes them, or paced at `ratePerSecond` (event i not before start + i ÷ rate).
 */
async function publishBacklog(client: HeraldClient, types: string[], count: number, parallel: number, ratePerSecond = 0) {
  const start = Date.now();
  const accepted: string[] = [];
  const refused: Record<string, number> = {};
  let throttled = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++) {
        if (ratePerSecond > 0) await sleep(start + (i * 1000) / ratePerSecond - Date.now());
        for (;;) {
          try {
            accepted.push((await client.events.publish.mutate({ type: types[i % types.length]!, data: { i } })).id);
          } catch (err) {
            const code = (err as { data?: { code?: string } }).data?.code ?? (err as Error).message.slice(0, 40);
            // Over the API's per-key limit: a well-behaved client backs off and sends it again.
            if (code === 'TOO_MANY_REQUESTS') {
              throttled++;
              await sleep(250);
              continue;
            }
            refused[code] = (refused[code] ?? 0) + 1;
          }
          break;
        }
      }
    }),
  );
  return { accepted, refused, throttled };
}

export async function noisyNeighbours(o: NoisyOptions): Promise<NoisyResult> {
  const workerMetricsPort = await freePort();
  const cluster = await startCluster({
    HERALD_DELIVERY_TIMEOUT_MS: String(o.timeoutMs),
    HERALD_TEMPORAL_FAIRNESS: String(o.fairness),
    HERALD_WORKER_METRICS_PORT: String(workerMetricsPort),
    HERALD_API_RATE_LIMIT_PER_MINUTE: String(o.apiLimitPerMinute),
    ...(o.teamLanes === undefined ? {} : { HERALD_TEAM_PUBLISH_CONCURRENCY: String(o.teamLanes) }),
  });
  const bRx = await startReceiver();
  const aRx = await Promise.all(Array.from({ length: 5 }, () => startHangingReceiver()));
  try {
    // Team A: the cluster's own team. Team B: a second team with its own key.
    const a = cluster.client;
    const bTeam = await createTeamWithKey(cluster.db, 'team-b');
    const b = createHeraldClient({ url: cluster.apiUrl, apiKey: bTeam.key });
    await b.eventTypes.create.mutate({ name: 'b.tick', description: '' });
    const bHook = await b.webhooks.create.mutate({ name: 'healthy', url: bRx.url, eventTypes: ['b.tick'], rateLimitPerSecond: 100 });
    const aTypes = aRx.map((_, i) => `a.hang${i}`);
    const aHooks: string[] = [];
    for (const [i, rx] of aRx.entries()) {
      await a.eventTypes.create.mutate({ name: aTypes[i]!, description: '' });
      aHooks.push(
        (await a.webhooks.create.mutate({ name: `hanging-${i}`, url: rx.url, eventTypes: [aTypes[i]!], rateLimitPerSecond: 1000 })).id,
      );
    }
    // Null on a build without the cap (the scenario also runs there, for the before/after table).
    const defaultCap = (cluster.config.delivery as { maxInFlight?: number }).maxInFlight ?? null;

    const bCount = o.bRate * o.bSeconds;
    const arrivedAt = new Map<string, number>();
    const collect = () => {
      for (const r of bRx.arrivals) {
        const id = JSON.parse(r.body).id as string;
        if (!arrivedAt.has(id)) arrivedAt.set(id, r.at);
      }
    };
    const waitForB = async (report: PublishReport) => {
      const deadline = Date.now() + o.deadlineMs;
      for (;;) {
        collect();
        if (report.accepted.every((id) => arrivedAt.has(id)) || Date.now() > deadline) return;
        await sleep(200);
      }
    };

    // Phase 1: B alone. A warm-up second first, so neither phase pays for a cold start.
    await publishSteadily(b, 'b.tick', o.bRate, o.bRate, async () => undefined);
    const absentReport = await publishSteadily(b, 'b.tick', bCount, o.bRate, async () => undefined);
    await waitForB(absentReport);

    // Phase 2: A's backlog published at full speed while B keeps its 20/s.
    const sampler = await startQueueSampler(
      cluster.config.temporal.address!,
      cluster.config.temporal.namespace,
      cluster.config.temporal.taskQueue,
      `http://127.0.0.1:${workerMetricsPort}/metrics`,
    );
    const aStart = Date.now();
    let aDoneAt = Number.POSITIVE_INFINITY;
    const [backlog, presentReport] = await Promise.all([
      publishBacklog(a, aTypes, o.aEvents, 8, o.aRate).then((r) => ((aDoneAt = Date.now()), r)),
      publishSteadily(b, 'b.tick', 2 * bCount, o.bRate, async () => undefined),
    ]);
    await waitForB(presentReport);
    const queue = await sampler.stop();
    collect();

    const absent = stats(absentReport.accepted, absentReport.sentAtMs, arrivedAt);
    const present = stats(presentReport.accepted, presentReport.sentAtMs, arrivedAt);
    const after = presentReport.accepted.filter((id) => presentReport.sentAtMs.get(id)! >= aDoneAt);
    const presentAfterBacklog = stats(after, presentReport.sentAtMs, arrivedAt);
    const boundMs = Math.round(o.boundFactor * absent.p99 + o.boundMarginMs);

    // A: every accepted event has its delivery, each pending (waiting for a place), retrying, failed or succeeded.
    const rows = await cluster.db.selectFrom('deliveries').select(['event_id', 'status']).where('webhook_id', 'in', aHooks).execute();
    const withRow = new Set(rows.map((r) => r.event_id));
    const aStatuses: Record<string, number> = {};
    for (const r of rows) aStatuses[r.status] = (aStatuses[r.status] ?? 0) + 1;
    const aAttempts = await cluster.db
      .selectFrom('delivery_attempts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('webhook_id', 'in', aHooks)
      .executeTakeFirstOrThrow();
    const aStats = aRx.map((r) => r.stats());
    const records = await cluster.db
      .selectFrom('delivery_attempts')
      .select(['webhook_id', 'created_at', 'duration_ms'])
      .where('webhook_id', 'in', aHooks)
      .execute();
    const aMaxOverlapPerEndpoint = aHooks.map((id) =>
      maxOverlap(
        records.filter((r) => r.webhook_id === id).map((r) => [r.created_at.getTime(), r.created_at.getTime() + r.duration_ms] as const),
      ),
    );
    const waits = cluster.worker.lines.filter((l) => l.includes('concurrency cap'));
    const bHold = await cluster.db
      .selectFrom('webhook_in_flight')
      .select('hold_ms')
      .where('webhook_id', '=', bHook.id)
      .executeTakeFirst()
      .catch(() => undefined);
    const bStatuses: Record<string, number> = {};
    for (const r of await cluster.db.selectFrom('deliveries').select('status').where('webhook_id', '=', bHook.id).execute())
      bStatuses[r.status] = (bStatuses[r.status] ?? 0) + 1;
    const bSlowest = await latencyBreakdown(
      cluster.config.temporal.address!,
      cluster.config.temporal.namespace,
      presentReport.accepted
        .filter((id) => arrivedAt.has(id))
        .map((id) => ({
          workflowId: deliveryIdOf(id, bHook.id),
          sentAtMs: presentReport.sentAtMs.get(id)!,
          arrivedAtMs: arrivedAt.get(id)!,
        })),
    );
    return {
      queue,
      queueSamples: sampler.samples.map((x) => ({ ...x, atMs: x.atMs - aStart })),
      bSlowest,
      absent,
      present,
      presentAfterBacklog,
      boundMs,
      withinBound: present.arrived === present.events && present.p99 <= boundMs,
      bLost: absent.events - absent.arrived + present.events - present.arrived,
      aAccepted: backlog.accepted.length,
      aThrottled: backlog.throttled,
      aRefused:
        Object.entries(backlog.refused)
          .map(([k, v]) => `${v}× ${k}`)
          .join(', ') || '0',
      aBacklogSeconds: Math.round((aDoneAt - aStart) / 100) / 10,
      aStatuses,
      aMissing: backlog.accepted.filter((id) => !withRow.has(id)).length,
      aAttempts: Number(aAttempts.n),
      aRequests: aStats.reduce((s, x) => s + x.requests, 0),
      aMaxOpenPerEndpoint: aStats.map((x) => x.maxOpen),
      aMaxOverlapPerEndpoint,
      defaultCap,
      bWaits: waits.filter((l) => l.includes(bHook.id)).length,
      aWaits: waits.filter((l) => aHooks.some((id) => l.includes(id))).length,
      bHoldMs: bHold?.hold_ms ?? null,
      bStatuses,
    };
  } finally {
    await bRx.close();
    await Promise.all(aRx.map((r) => r.close()));
    await cluster.close();
  }
}

/** The scenario's table (markdown). */
export function noisyTable(r: NoisyResult, o: NoisyOptions): string {
  const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)}` : '–');
  const row = (name: string, s: LatencyStats) => `| ${name} | ${s.events} | ${s.arrived} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} |`;
  return [
    `| team B (1 healthy endpoint, ${o.bRate} events/s) | B events | B delivered | p50 (ms) | p99 (ms) | max (ms) |`,
    '|---|---|---|---|---|---|',
    row('A absent', r.absent),
    row('A present (backlog publishing, then draining)', r.present),
    row("A present, after A's backlog was accepted", r.presentAfterBacklog),
    '',
    `bound: B p99 with A present ≤ ${o.boundFactor} × p99 with A absent + ${o.boundMarginMs} ms = ${r.boundMs} ms: ${r.withinBound ? 'held' : 'NOT held'}; B not arrived by the deadline: ${r.bLost} (B deliveries by status: ${JSON.stringify(r.bStatuses)}; B's average hold ${r.bHoldMs === null ? '–' : Math.round(r.bHoldMs)} ms)`,
    `B's 20 slowest with A present, medians (ms): API (publish → workflow started) ${Math.round(r.bSlowest.apiMs)}, task queue (scheduled → taken by the worker) ${Math.round(r.bSlowest.queueMs)}, worker (taken → arrival) ${Math.round(r.bSlowest.workerMs)}`,
    `workflow-task queue in phase 2 (${r.queue.samples} samples): backlog at most ${r.queue.maxBacklog}, oldest task at most ${Math.round(r.queue.maxBacklogAgeMs)} ms; the worker's free workflow-task slots at least ${r.queue.minWftSlotsFree} (none free in ${Math.round(100 * r.queue.wftSlotsExhausted)}% of samples), local-activity slots at least ${r.queue.minLaSlotsFree}; machine CPU busy ${Math.round(100 * r.queue.meanCpuBusy)}% on average`,
    `    timeline (s: backlog/oldest ms/free WFT slots/free LA slots/CPU busy %): ${r.queueSamples
      .filter((_, i) => i % 3 === 0)
      .map(
        (x) =>
          `${Math.round(x.atMs / 1000)}: ${x.backlog}/${x.backlogAgeMs}/${x.wftSlotsFree}/${x.laSlotsFree}/${Math.round(100 * x.cpuBusy)}`,
      )
      .join(', ')}`,
    `team A: ${r.aAccepted} events accepted in ${r.aBacklogSeconds} s (refused: ${r.aRefused}; 429 and sent again: ${r.aThrottled}); deliveries by status at the end: ${JSON.stringify(r.aStatuses)}; without a delivery: ${r.aMissing}; attempts recorded: ${r.aAttempts}; requests seen by A's receivers: ${r.aRequests}; most attempts in flight at once per endpoint (Herald's records): ${r.aMaxOverlapPerEndpoint.join(', ')}; most requests open at once (A's receivers, which see a closed socket late on a busy runner): ${r.aMaxOpenPerEndpoint.join(', ')} (cap ${r.defaultCap ?? 'none'}); waits for a place: A ${r.aWaits}, B ${r.bWaits}`,
  ].join('\n');
}
