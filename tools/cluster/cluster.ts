import { loadConfig } from '../../src/config.js';
import { heraldDatabaseUrl, startClusterFromConfig } from './cluster-setup.js';

/** `npm run cluster`: a real Temporal cluster on PostgreSQL that runs until Ctrl-C. */
async function run(): Promise<void> {
  const t0 = Date.now();
  const config = loadConfig();
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const cluster = await startClusterFromConfig(config, say);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the cluster...`);
    await cluster.stop();
    say('cluster stopped');
    process.exit(0);
  };
  // `on`, not `once`: a second Ctrl-C must not end this process before its children are gone.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const databaseUrl = await heraldDatabaseUrl(cluster);
  const pids = cluster.processes.map((p) => `${p.name} ${p.child.pid}`).join(', ');
  say(
    [
      '',
      `Temporal cluster is running (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      `  processes:   ${pids}`,
      `  PostgreSQL:  ${cluster.embeddedPg ? 'embedded, ' : ''}${redact(cluster.pgAdminUrl)} (databases temporal, temporal_visibility)`,
      `  namespace:   ${config.temporal.namespace} (retention ${config.temporal.retentionDays} days, Herald's search attributes)`,
      `  Temporal UI: ${cluster.uiUrl ?? '(not built)'}`,
      `  logs:        ${cluster.logDir}`,
      '',
      'Run Herald against it (README "Production"), in another terminal:',
      `  TEMPORAL_ADDRESS=${cluster.address}`,
      `  DATABASE_URL=${cluster.embeddedPg ? databaseUrl : redact(databaseUrl)}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  // A service that dies is reported, not hidden; the rest keep running.
  for (const p of cluster.processes) {
    p.child.once('exit', (code, sig) => !stopping && say(`${p.name} (pid ${p.child.pid}) exited (${code ?? sig}); see ${p.logFile}`));
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

run().catch((err) => {
  process.stderr.write(`cluster failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
