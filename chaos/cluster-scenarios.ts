import { startReceiver } from '../test/support/receiver.js';
import { type Row, refusedText } from './chaos-row.js';
import { publishSteadily } from './publisher.js';
import { type ClusterStack, startClusterStack } from './temporal-cluster-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClusterChaosOptions {
  events: number;
  rate: number;
  deadlineMs: number;
  log: (line: string) => void;
}

/**
 * One fault against Herald on a fresh real cluster: `events` events at `rate`/s spread over the
 * API processes, `fault` injected once half are offered, then every accepted event must reach
 * the receiver (at least once) before the deadline. Recovery is from the fault's end (the
 * process back and serving, or the kill done) until the last accepted event arrived.
 */
async function clusterFault(
  o: ClusterChaosOptions,
  name: string,
  shape: { workers: number; apis: number },
  fault: (s: ClusterStack) => Promise<string>,
): Promise<Row> {
  const stack = await startClusterStack({ ...shape, log: o.log });
  const rx = await startReceiver();
  try {
    const [first] = stack.clients;
    await first!.eventTypes.create.mutate({ name: 'chaos.tick', description: '' });
    await first!.webhooks.create.mutate({ name: 'chaos', url: rx.url, eventTypes: ['chaos.tick'], rateLimitPerSecond: 1000 });
    let faultEnd = 0;
    let note = '';
    const report = await publishSteadily(stack.clients, 'chaos.tick', o.events, o.rate, async () => {
      const t0 = Date.now();
      note = await fault(stack);
      faultEnd = Date.now();
      note = `${note}; fault took ${((faultEnd - t0) / 1000).toFixed(1)} s`;
      o.log(`${name}: ${note}`);
    });
    const deadline = Date.now() + o.deadlineMs;
    const unique = () => new Set(rx.arrivals.map((a) => JSON.parse(a.body).id as string));
    while (report.accepted.some((id) => !unique().has(id)) && Date.now() < deadline) await sleep(200);
    const recoverySeconds = Math.round((Date.now() - faultEnd) / 100) / 10;
    const got = unique();
    const lost = report.accepted.filter((id) => !got.has(id));
    if (lost.length) o.log(`${name}: ${lost.length} lost (first ${lost.slice(0, 5).join(', ')}); data kept until close\n${stack.tails()}`);
    return {
      scenario: name,
      accepted: report.accepted.length,
      refused: refusedText(report.refused),
      delivered: report.accepted.length - lost.length,
      failedByPolicy: 0,
      lost: lost.length,
      duplicated: rx.arrivals.length - got.size,
      recoverySeconds,
      slowestPublishMs: report.slowestMs,
      note,
    };
  } finally {
    await rx.close();
    await stack.close();
  }
}

/** SIGKILL one service process, keep it down `downMs`, start it again and wait until it serves. */
const killService = (service: 'history' | 'matching', downMs: number) => async (s: ClusterStack) => {
  await s.cluster.restart(service, 'SIGKILL', downMs);
  const t0 = Date.now();
  await s.cluster.waitServing(service);
  return `${service} SIGKILLed, respawned after ${downMs / 1000} s, serving ${((Date.now() - t0) / 1000).toFixed(1)} s later`;
};

/** Faults only a cluster has, each on a fresh cluster (`npm run chaos -- --temporal cluster`). */
export function clusterScenarios(o: ClusterChaosOptions): [string, () => Promise<Row>][] {
  const one = { workers: 1, apis: 1 };
  return [
    ['history', () => clusterFault(o, 'history service SIGKILLed, restarted after 2 s', one, killService('history', 2000))],
    ['matching', () => clusterFault(o, 'matching service SIGKILLed, restarted after 2 s', one, killService('matching', 2000))],
    [
      'frontend',
      () =>
        clusterFault(o, 'frontend restarted (SIGTERM, respawned at once) with publishes in flight', one, async (s) => {
          await s.cluster.restart('frontend', 'SIGTERM');
          await s.cluster.waitServing('frontend');
          return 'frontend stopped and serving again';
        }),
    ],
    [
      'postgres',
      () =>
        clusterFault(o, "the cluster's PostgreSQL (persistence and visibility) restarted, 5 s down", one, async (s) => {
          await s.cluster.restartPostgres(5000);
          return 'PostgreSQL stopped, started again after 5 s';
        }),
    ],
    [
      'scale',
      () =>
        clusterFault(o, '2 workers + 2 APIs, one of each SIGKILLed (not restarted)', { workers: 2, apis: 2 }, async (s) => {
          await Promise.all([s.workers[1]!.stop('SIGKILL'), s.apis[1]!.stop('SIGKILL')]);
          return 'worker 2 and API 2 SIGKILLed; calls kept alternating between both APIs';
        }),
    ],
  ];
}
