import { spawn } from 'node:child_process';
import path from 'node:path';
import { startScratchCluster } from './cluster-setup.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `npm run test:cluster [-- <vitest args, e.g. test files>]`: the integration project against a
 * fresh real cluster (HERALD_TEST_TEMPORAL_ADDRESS) instead of a dev server; the cluster is
 * stopped afterwards and the exit code is vitest's. Not part of `npm test`.
 */
async function run(): Promise<number> {
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const scratch = await startScratchCluster((l) => say(`cluster: ${l}`));
  let code = 1;
  try {
    say(`cluster: ready at ${scratch.cluster.address}; running the integration tests against it`);
    const vitest = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'integration', ...process.argv.slice(2)],
      {
        cwd: ROOT,
        env: { ...process.env, HERALD_TEST_TEMPORAL_ADDRESS: scratch.cluster.address },
        stdio: 'inherit',
      },
    );
    // Ctrl-C reaches vitest too; wait for it, then stop the cluster.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => vitest.kill('SIGTERM'));
    code = await new Promise<number>((resolve) => vitest.once('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
  } finally {
    await scratch.dispose(code !== 0);
    if (code !== 0) say(`cluster: logs kept in ${scratch.cluster.logDir}`);
  }
  return code;
}

run().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`test:cluster failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
