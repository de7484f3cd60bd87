import fs from 'node:fs/promises';
import { startReceiver } from '../test/support/receiver.js';
import { startChaosReceiver } from './chaos-receiver.js';
import { type Cluster, startCluster } from './cluster.js';
import { type Row, refusedText } from './chaos-row.js';
import { clusterScenarios } from './cluster-scenarios.js';
import { noisyNeighbours, type NoisyOptions, noisyTable } from './noisy-neighbours.js';
import { publishSteadily } from './publisher.js';

// `npm run chaos [-- --events 500 --rate 100 --only worker]`: each scenario publishes events
// to loopback receivers, injects one fault mid-run, and checks that every accepted event
// arrived at least once. Bounded: every wait has a deadline. `--only noisy`: the
// noisy-neighbour scenario alone (chaos/noisy-neighbours.ts; options --a-events, --b-rate,
// --b-seconds, --a-timeout-ms, --bound-factor, --bound-margin-ms, --fairness on|off, --api-limit <calls per minute per key>, --a-rate <A's events/s; 0 = as fast as possible>, --team-lanes <HERALD_TEAM_PUBLISH_CONCURRENCY>).
// `--temporal cluster`: the faults only a real cluster has (chaos/cluster-scenarios.ts) instead
// of the dev server's; `--out FILE` also writes the table there.
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const EVENTS = Number(arg('events', '500'));
const RATE = Number(arg('rate', '40'));
const ONLY = arg('only', '');
const DEADLINE_MS = Number(arg('deadline', '240')) * 1000;
const TEMPORAL = arg('temporal', 'dev');
const OUT = arg('out', '');
if (TEMPORAL !== 'dev' && TEMPORAL !== 'cluster') throw new Error(`--temporal must be dev or cluster (got ${TEMPORAL})`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number | undefined): Promise<number> {
  return fs.readFile(`/proc/${pid}/status`, 'utf8').then(
    (s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0),
    () => 0,
  );
}

async function faultScenario(name: string, fault: (c: Cluster) => Promise<void>): Promise<Row> {
  const cluster = await startCluster();
  const rx = await startReceiver();
  try {
    await cluster.client.eventTypes.create.mutate({ name: 'chaos.tick', description: '' });
    await cluster.client.webhooks.create.mutate({ name: 'chaos', url: rx.url, eventTypes: ['chaos.tick'], rateLimitPerSecond: 1000 });
    let faultEnd = 0;
    const report = await publishSteadily(cluster.client, 'chaos.tick', EVENTS, RATE, async () => {
      await fault(cluster);
      faultEnd = Date.now();
    });
    const deadline = Date.now() + DEADLINE_MS;
    const unique = () => new Set(rx.arrivals.map((a) => JSON.parse(a.body).id as string));
    while (report.accepted.some((id) => !unique().has(id)) && Date.now() < deadline) await sleep(200);
    const got = unique();
    const lost = report.accepted.filter((id) => !got.has(id)).length;
    if (lost)
      process.stderr.write(
        `lost events; api tail:\n${cluster.api.lines.slice(-15).join('\n')}\nworker tail:\n${cluster.worker.lines.slice(-15).join('\n')}\n`,
      );
    return {
      scenario: name,
      accepted: report.accepted.length,
      refused: refusedText(report.refused),
      delivered: report.accepted.length - lost,
      failedByPolicy: 0,
      lost,
      duplicated: rx.arrivals.length - got.size,
      recoverySeconds: Math.round((Date.now() - faultEnd) / 100) / 10,
      slowestPublishMs: report.slowestMs,
      note: '',
    };
  } finally {
    await rx.close();
    await cluster.close();
  }
}

async function receiverChaos(): Promise<Row> {
  const cluster = await startCluster({ HERALD_DELIVERY_TIMEOUT_MS: '2000' });
  const rx = await startChaosReceiver({ ok: 40, error: 20, hang: 5, reset: 10, slow: 10, endless: 5, huge: 10 });
  try {
    await cluster.client.eventTypes.create.mutate({ name: 'chaos.tick', description: '' });
    await cluster.client.webhooks.create.mutate({
      name: 'hostile',
      url: rx.url,
      eventTypes: ['chaos.tick'],
      rateLimitPerSecond: 1000,
      retryPolicy: { kind: 'attempts', maxAttempts: 5, intervalSeconds: 1, backoff: 'fixed' },
    });
    const rss0 = await rssKb(cluster.worker.child.pid);
    let rssMax = rss0;
    const sampler = setInterval(async () => (rssMax = Math.max(rssMax, await rssKb(cluster.worker.child.pid))), 500);
    const t0 = Date.now();
    const report = await publishSteadily(cluster.client, 'chaos.tick', EVENTS, RATE, async () => undefined);
    const deadline = Date.now() + DEADLINE_MS;
    const terminal = async () =>
      cluster.db
        .selectFrom('deliveries')
        .select(['event_id', 'status', 'attempts'])
        .where('status', 'in', ['succeeded', 'failed'])
        .execute();
    let rows = await terminal();
    while (rows.length < report.accepted.length && Date.now() < deadline) {
      await sleep(500);
      rows = await terminal();
    }
    clearInterval(sampler);
    const done = new Map(rows.map((r) => [r.event_id, r]));
    const succeeded = rows.filter((r) => r.status === 'succeeded').length;
    const failed = rows.filter((r) => r.status === 'failed');
    const badFailures = failed.filter((r) => r.attempts !== 5).length;
    return {
      scenario: 'receiver chaos',
      accepted: report.accepted.length,
      refused: refusedText(report.refused),
      delivered: succeeded,
      failedByPolicy: failed.length,
      lost: report.accepted.filter((id) => !done.has(id)).length,
      // Every answer with a 2xx status (ok, slow, endless, huge) counts as a delivery.
      duplicated:
        rx.arrivals.filter((a) => a.behaviour !== 'error' && a.behaviour !== 'hang' && a.behaviour !== 'reset').length - succeeded,
      recoverySeconds: Math.round((Date.now() - t0) / 100) / 10,
      slowestPublishMs: report.slowestMs,
      note: `worker RSS ${Math.round(rss0 / 1024)} → max ${Math.round(rssMax / 1024)} MB; failed with ≠5 attempts: ${badFailures}`,
    };
  } finally {
    await rx.close();
    await cluster.close();
  }
}

const devScenarios: [string, () => Promise<Row>][] = [
  [
    'worker',
    () =>
      faultScenario('worker killed (SIGKILL, restart after 2 s)', async (c) => {
        await c.killWorker();
        await sleep(2000);
        await c.startWorker();
      }),
  ],
  ['temporal', () => faultScenario('Temporal restarted (same SQLite, 3 s down)', (c) => c.restartTemporal(3000))],
  [
    'postgres',
    () =>
      faultScenario('Postgres restarted (5 s down)', async (c) => {
        await c.stopPostgres();
        await sleep(5000);
        await c.startPostgres();
      }),
  ],
  [
    'api',
    () =>
      faultScenario('API killed (SIGKILL, restart after 2 s)', async (c) => {
        await c.killApi();
        await sleep(2000);
        await c.startApi();
      }),
  ],
  ['receiver', receiverChaos],
];

// Noisy neighbours (issue 13): its own table. A's hang is the delivery timeout, shortened to keep the run bounded.
const NOISY: NoisyOptions = {
  aEvents: Number(arg('a-events', '2000')),
  bRate: Number(arg('b-rate', '20')),
  bSeconds: Number(arg('b-seconds', '30')),
  timeoutMs: Number(arg('a-timeout-ms', '5000')),
  deadlineMs: DEADLINE_MS,
  boundFactor: Number(arg('bound-factor', '2')),
  boundMarginMs: Number(arg('bound-margin-ms', '250')),
  fairness: arg('fairness', 'on') !== 'off',
  apiLimitPerMinute: Number(arg('api-limit', '1000000')),
  aRate: Number(arg('a-rate', '0')),
  teamLanes: arg('team-lanes', '') === '' ? undefined : Number(arg('team-lanes', '')),
};

async function runNoisy(): Promise<boolean> {
  process.stdout.write('running: noisy…\n');
  const r = await noisyNeighbours(NOISY);
  process.stdout.write(
    `${JSON.stringify(r)}\n\nnoisy neighbours (A's endpoints hang for the delivery timeout, ${NOISY.timeoutMs} ms here; task-queue fairness ${NOISY.fairness ? 'on' : 'off'}; API limit ${NOISY.apiLimitPerMinute}/min per key; A publishes ${NOISY.aRate > 0 ? `at ${NOISY.aRate}/s` : 'as fast as it can'}; team publish lanes ${NOISY.teamLanes ?? 'default'}):\n${noisyTable(r, NOISY)}\n`,
  );
  return r.withinBound && r.bLost === 0 && r.aMissing === 0;
}

async function run(): Promise<void> {
  const scenarios =
    TEMPORAL === 'cluster'
      ? clusterScenarios({ events: EVENTS, rate: RATE, deadlineMs: DEADLINE_MS, log: (l) => process.stdout.write(`  ${l}\n`) })
      : devScenarios;
  const rows: Row[] = [];
  if (ONLY === 'noisy') {
    if (!(await runNoisy())) process.exitCode = 1;
    return;
  }
  for (const [key, scenario] of scenarios) {
    if (ONLY && key !== ONLY) continue;
    process.stdout.write(`running: ${key}…\n`);
    rows.push(await scenario());
    process.stdout.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
  }
  const header =
    '| scenario | accepted | refused while down | delivered | failed by policy | lost | duplicated | recovery (s) | slowest publish (ms) | note |';
  const lines = [header, '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(
      `| ${r.scenario} | ${r.accepted} | ${r.refused} | ${r.delivered} | ${r.failedByPolicy} | ${r.lost} | ${r.duplicated} | ${r.recoverySeconds} | ${r.slowestPublishMs} | ${r.note} |`,
    );
  const table = `${lines.join('\n')}\n\nrecovery: from the fault's end (service back) until every accepted event had arrived; receiver chaos: whole run.\n`;
  process.stdout.write(`\n${table}`);
  if (OUT)
    await fs.writeFile(
      OUT,
      `# npm run chaos -- --temporal ${TEMPORAL} --events ${EVENTS} --rate ${RATE}, ${new Date().toISOString()}\n\n${table}`,
    );
  if (rows.some((r) => r.lost > 0)) process.exitCode = 1;
  // The noisy-neighbour scenario runs on the dev server (its own startCluster); not part of the cluster run.
  if (!ONLY && TEMPORAL === 'dev' && !(await runNoisy())) process.exitCode = 1;
}

run().catch((err) => {
  process.stderr.write(`chaos failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
