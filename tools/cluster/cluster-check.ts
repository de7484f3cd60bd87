import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { createTeamWithKey } from '../../src/app/bootstrap-team.js';
import { freePort, heraldDatabaseUrl, startScratchCluster } from './cluster-setup.js';
import { createHerald } from '../../src/app/create-herald.js';
import { type HeraldProcess, spawnHerald } from '../../src/app/herald-process.js';

const EVENTS_PER_ROUND = 5;

/**
 * `npm run cluster:check`: a fresh cluster (own data dir), Herald's migrate, worker and API as
 * separate processes against it (README "Production"), events published over HTTP to a loopback
 * receiver, every delivery found in the cluster's visibility by its search attributes; then the
 * frontend is restarted and a second round must arrive too. Stops everything; one PASS/FAIL line.
 */
async function run(): Promise<void> {
  const t0 = Date.now();
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const base = loadConfig();
  const children: HeraldProcess[] = [];
  let scratch: Awaited<ReturnType<typeof startScratchCluster>> | undefined;
  const arrivals = new Map<string, number>();
  const receiver = http.createServer((req, res) => {
    // Keyed by the event id in the body (webhook-id is a per-delivery msg_ id since issue 12).
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      try {
        arrivals.set(String((JSON.parse(body) as { id?: unknown }).id), Date.now());
      } catch {
        // not an event: ignored
      }
      res.end('ok');
    });
  });
  let failure: unknown;
  const summary: string[] = [];
  try {
    scratch = await startScratchCluster((l) => say(`  ${l}`));
    const { cluster, config } = scratch;
    summary.push(`cluster up in ${s(Date.now() - t0)}`);
    const databaseUrl = await heraldDatabaseUrl(cluster, 'herald_check');
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/hook`;
    const apiPort = await freePort();
    const env = {
      PATH: base.pathEnv,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: cluster.address,
      HERALD_API_PORT: String(apiPort),
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_LOG_LEVEL: 'info',
    };
    await spawnHerald('migrate', { env });
    children.push(await spawnHerald('worker', { env }), await spawnHerald('api', { env }));
    say(`  Herald: worker pid ${children[0]!.child.pid}, api pid ${children[1]!.child.pid} on 127.0.0.1:${apiPort}`);
    // The database alone (migrated by the migrate process above), to make the check's team.
    const store = await createHerald(loadConfig(env), { overrides: { noTemporal: true, migrate: false, logName: 'cluster-check' } });
    const { key } = await createTeamWithKey(store.handles.db, `cluster-check-${Date.now()}`).finally(() => store.stop());
    const call = apiCaller(`http://127.0.0.1:${apiPort}/trpc`, key);
    await call('eventTypes.create', { name: 'check.ping' });
    const webhook = (await call('webhooks.create', { name: 'cluster check', url: hook, eventTypes: ['check.ping'] })) as { id: string };

    const round = async (label: string) => {
      const ids = Array.from({ length: EVENTS_PER_ROUND }, (_, i) => `${label}-${i}-${Date.now()}`);
      const sent = new Map<string, number>();
      for (const id of ids) {
        sent.set(id, Date.now());
        await call('events.publish', { type: 'check.ping', id, data: { label } });
      }
      await until(() => ids.every((id) => arrivals.has(id)), 60_000, `${label}: all ${ids.length} deliveries at the receiver`);
      const ms = ids.map((id) => arrivals.get(id)! - sent.get(id)!).sort((a, b) => a - b);
      summary.push(`${label}: ${ids.length}/${ids.length} delivered (publish→arrival ${ms[0]}–${ms.at(-1)} ms)`);
      return ids;
    };
    const first = await round('before-restart');
    await cluster.restart('frontend');
    await until(() => frontendAnswers(cluster.address), 60_000, 'the restarted frontend');
    summary.push('frontend restarted');
    const second = await round('after-restart');

    const conn = await Connection.connect({ address: cluster.address });
    try {
      const query = `WebhookId="${webhook.id}" AND EventType="check.ping" AND ExecutionStatus="Completed"`;
      const expected = first.length + second.length;
      await until(
        async () =>
          Number((await conn.workflowService.countWorkflowExecutions({ namespace: config.temporal.namespace, query })).count) === expected,
        30_000,
        `${expected} completed deliveries in visibility`,
      );
      summary.push(`visibility: ${expected} completed by WebhookId/EventType`);
    } finally {
      await conn.close();
    }
  } catch (err) {
    failure = err;
    // What Herald's processes said is the first thing to read when a check fails.
    for (const c of children) say(`--- last output of pid ${c.child.pid}:\n${c.output().slice(-3_000)}`);
  }
  for (const c of children.reverse()) await c.stop().catch(() => undefined);
  await new Promise((r) => receiver.close(r));
  const pids = [...(scratch?.cluster.processes.map((p) => p.child.pid) ?? []), ...children.map((c) => c.child.pid)];
  await scratch?.cluster.stop().catch((err) => (failure ??= err));
  const dataDir = scratch?.dataDir;
  const left = [
    ...new Set([...pids.filter((pid): pid is number => Boolean(pid) && isAlive(pid!)), ...(dataDir ? await processesUsing(dataDir) : [])]),
  ];
  if (left.length > 0) failure ??= new Error(`processes still running after stop: ${left.join(', ')}`);
  else summary.push('all stopped');
  if (!failure && dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  const total = s(Date.now() - t0);
  if (failure) {
    say(`cluster:check FAIL after ${total}: ${failure instanceof Error ? failure.message : String(failure)}`);
    if (scratch) say(`  (data and logs kept in ${scratch.dataDir})`);
    process.exit(1);
  }
  say(`cluster:check PASS in ${total}: ${summary.join('; ')}`);
}

function apiCaller(base: string, key: string) {
  return async (procedure: string, input: unknown): Promise<unknown> => {
    const res = await fetch(`${base}/${procedure}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
    if (!res.ok || !body.result) throw new Error(`${procedure}: HTTP ${res.status} ${body.error?.message ?? ''}`);
    return body.result.data;
  };
}

async function frontendAnswers(address: string): Promise<boolean> {
  try {
    const conn = await Connection.connect({ address, connectTimeout: 1_000 });
    await conn.workflowService.getClusterInfo({}).finally(() => conn.close());
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, label: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes whose command line names `dir` (the cluster's servers and its postgres). */
async function processesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmd = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

run().catch((err) => {
  process.stderr.write(`cluster:check FAIL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
