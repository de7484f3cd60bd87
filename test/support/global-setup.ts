import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedPostgres } from '../../src/embedded/embedded-postgres.js';
import { startTemporalDevServer } from '../../src/embedded/temporal-dev-server.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    temporalAddress: string;
  }
}

/**
 * Opt-in: the frontend of a Temporal that is already running (e.g. `npm run cluster`) instead of
 * a dev server per run. It must have namespace `default` and Herald's search attributes.
 */
const EXTERNAL_TEMPORAL = process.env.HERALD_TEST_TEMPORAL_ADDRESS || undefined;

/**
 * Once per test run: a real PostgreSQL (embedded binaries, fresh data dir) and a real Temporal
 * dev server (in-memory), or the Temporal at HERALD_TEST_TEMPORAL_ADDRESS. Test files isolate
 * themselves with their own database and task queue.
 */
export default async function setup(project: TestProject) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-test-'));
  // initdb runs as the unprivileged postgres user when we are root; it must reach the dir.
  await fs.chmod(dir, 0o755);
  const config = loadConfig();
  if (EXTERNAL_TEMPORAL) console.log(`integration tests against the Temporal at ${EXTERNAL_TEMPORAL} (HERALD_TEST_TEMPORAL_ADDRESS)`);
  const [pgResult, temporalResult] = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'postgres' }),
    EXTERNAL_TEMPORAL
      ? { address: EXTERNAL_TEMPORAL, stop: async () => undefined }
      : startTemporalDevServer({
          port: await freePort(),
          namespace: 'default',
          retentionDays: 1,
          cacheDir: config.cacheDir,
          cliPath: config.temporal.cliPath,
          pathEnv: config.pathEnv,
          log: (l) => console.log(l),
        }),
  ]);
  if (pgResult.status === 'rejected' || temporalResult.status === 'rejected') {
    // Stop whichever did start, so a failed setup never leaves the run hanging.
    if (pgResult.status === 'fulfilled') await pgResult.value.stop();
    if (temporalResult.status === 'fulfilled') await temporalResult.value.stop();
    await fs.rm(dir, { recursive: true, force: true });
    throw pgResult.status === 'rejected' ? pgResult.reason : (temporalResult as PromiseRejectedResult).reason;
  }
  const pg = pgResult.value;
  const temporal = temporalResult.value;
  project.provide('pgAdminUrl', pg.url);
  project.provide('temporalAddress', temporal.address);
  return async () => {
    await Promise.allSettled([temporal.stop(), pg.stop()]);
    await fs.rm(dir, { recursive: true, force: true });
  };
}
