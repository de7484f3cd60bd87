import { createHerald } from '../app/create-herald.js';
import { loadConfig } from '../config.js';

/** `npm start`: embedded PostgreSQL and Temporal (unless configured), migrations, worker and API in one process. */
async function run(): Promise<void> {
  const t0 = Date.now();
  const config = loadConfig();
  const herald = await createHerald(config, { roles: { api: true, worker: true, sweeps: true }, overrides: { defaultTeam: true } });
  const { log, infra } = herald.handles;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down', { signal });
    const hardStop = setTimeout(() => process.exit(1), 15_000).unref();
    await herald.stop();
    clearTimeout(hardStop);
    log.info('stopped');
  };
  // `on`, not `once`: a second Ctrl-C during shutdown must not find the process without a
  // listener of ours (it would then end mid-shutdown, leaving the embedded servers behind).
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const { apiUrl: listening, firstTeam } = await herald.start().catch(async (err: unknown) => {
    // Stopped by a signal while starting: the shutdown above ends the process.
    if (shuttingDown) return new Promise<never>(() => undefined);
    await herald.stop(); // the embedded servers must not outlive a failed start
    throw err;
  });
  const apiUrl = config.api.publicUrl ?? listening;
  const lines = [
    '',
    `Herald is running (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    `  API:         ${apiUrl}/trpc   (health: ${apiUrl}/healthz${config.observability.metricsEnabled ? `, metrics: ${apiUrl}/metrics` : ''})`,
    `  REST:        ${apiUrl}/v1     (reference: ${apiUrl}/docs, OpenAPI: ${apiUrl}/openapi.json)`,
    ...(config.delivery.allowPrivateTargets ? [`  Dev echo:    ${apiUrl}/dev/echo/<channel>   (a webhook receiver for local tries)`] : []),
    `  Temporal UI: ${infra.temporalUiUrl ?? '(external cluster)'}`,
    `  Temporal:    ${infra.temporalAddress}, namespace ${config.temporal.namespace}`,
  ];
  if (firstTeam) lines.push('', `  First start: created team "default" with API key (shown once, stored hashed):`, `    ${firstTeam.key}`);
  lines.push('', 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
}

run().catch((err) => {
  process.stderr.write(`herald failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
