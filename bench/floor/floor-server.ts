import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { Agent } from 'undici';
import { startInfrastructure } from '../../src/app/start-infrastructure.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { clientOn, connectWorker } from '../../src/temporal/connect.js';
import { bundleWorkflowsInChild } from '../../src/worker/bundle-workflows.js';
import { installRuntime } from '../../src/worker/install-runtime.js';
import { createFloorActivities } from './floor-activities.js';
import { FLOOR_RUNNING, FLOOR_TARGET_ENV } from './floor-start.js';
import type { floorDeliveryWorkflow } from './floor-workflow.js';
import { floorWorkerOptions } from './floor-worker-options.js';

// The floor of `npm run bench -- --floor`: what a workflow per delivery costs with nothing of
// Herald around it. One process, run with Herald's environment (loadConfig), holding
// - the Temporal dev server, started by Herald's own startInfrastructure (same binary, flags,
//   GOGC, GOMAXPROCS, fairness, SQLite file under the data dir); no PostgreSQL;
// - the Temporal runtime (installRuntime) and a Worker with Herald's settings (floor-worker-options),
//   its bundle built the way Herald builds its own;
// - an HTTP endpoint taking the bench's publish (`POST /trpc/events.publish`, `{ type, data }`):
//   it builds Herald's body `{ id, type, timestamp, data }` and starts floorDeliveryWorkflow on
//   the worker's connection with eager start (HERALD_EAGER_START, as Herald), answering 200 once
//   the start is accepted. No auth, no database, no signature, no search attributes.
// SIGINT/SIGTERM stop it all.

const PUBLISH_PATH = '/trpc/events.publish';

async function run(): Promise<void> {
  const t0 = Date.now();
  const config = loadConfig();
  const target = process.env[FLOOR_TARGET_ENV];
  if (!target) throw new Error(`${FLOOR_TARGET_ENV} must name the receiver URL the floor POSTs to`);
  const log = createLogger(config.logLevel, 'floor');
  await installRuntime(config);
  // A database URL makes startInfrastructure skip the embedded PostgreSQL; the floor never uses it.
  const infra = await startInfrastructure({ ...config, databaseUrl: 'postgres://unused.invalid/floor' }, log);
  const connection = await connectWorker(config, infra.temporalAddress);
  const agent = new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, connections: 50 });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // Bundled as Herald bundles its own (off the main heap, bundle-workflows.ts).
    workflowBundle: await bundleWorkflowsInChild({ workflowsPath: fileURLToPath(new URL('./floor-workflow.ts', import.meta.url)) }),
    activities: createFloorActivities(agent, config.delivery.timeoutMs),
    ...floorWorkerOptions(config),
  });
  const running = worker.run();
  const client = clientOn(config, connection);
  let n = 0;
  /** Starts the server answered with the first workflow task (eager start taken). */
  let eager = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'POST' || req.url !== PUBLISH_PATH)
        return answer(404, { error: 'the floor takes POST /trpc/events.publish only' });
      let event: { type?: unknown; data?: unknown };
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(400, { error: 'body is not JSON' });
      }
      const id = `evt_floor_${++n}`;
      const body = JSON.stringify({ id, type: event.type, timestamp: new Date().toISOString(), data: event.data });
      client.workflow
        // By name: the workflow code is the bundle's, not imported here.
        .start<typeof floorDeliveryWorkflow>('floorDeliveryWorkflow', {
          taskQueue: config.temporal.taskQueue,
          workflowId: id,
          args: [{ url: target, id, body }],
          requestEagerStart: config.temporal.eagerStart,
        })
        .then(
          (handle) => {
            if (handle.eagerlyStarted) eager++;
            answer(200, { result: { data: { id, eagerlyStarted: handle.eagerlyStarted } } });
          },
          (err: unknown) => answer(500, { error: err instanceof Error ? err.message : String(err) }),
        );
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.api.port, config.api.host, resolve));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`floor stopping (${signal}): ${n} publishes, ${eager} started eagerly\n`);
    setTimeout(() => process.exit(1), 15_000).unref();
    server.closeAllConnections();
    server.close();
    worker.shutdown();
    await running.catch((err) => log.warn('worker ended with an error', { error: String(err) }));
    await connection.close().catch(() => undefined);
    await agent.close().catch(() => undefined);
    await infra.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.stdout.write(
    `\n${FLOOR_RUNNING} (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s): publish at http://${config.api.host}:${config.api.port}${PUBLISH_PATH}, Temporal ${infra.temporalAddress}, POSTing to ${target}\n`,
  );
}

run().catch((err) => {
  process.stderr.write(`floor failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
