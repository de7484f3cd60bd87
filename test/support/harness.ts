import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { appRouter } from '../../src/api/app-router.js';
import { createContextInner } from '../../src/api/context.js';
import { createHeraldClient } from '../../src/api/client.js';
import { createHerald, type Herald } from '../../src/app/create-herald.js';
import type { HeraldOverrides, HeraldRoles } from '../../src/app/herald-options.js';
import { loadConfig, type HeraldConfig } from '../../src/config.js';
import { ensureDatabase } from '../../src/embedded/embedded-postgres.js';
import { createTeamWithKey } from '../../src/app/bootstrap-team.js';
import type { Resolver } from '../../src/security/url-safety.js';
import { bundleWorkflowsInChild } from '../../src/worker/bundle-workflows.js';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { workflowInterceptorModules } from '../../src/observability/tracing.js';

let bundlePromise: ReturnType<typeof bundleWorkflowsInChild> | undefined;
/** One workflow bundle per test file (webpack is the slow part of worker start); with tracing on, it holds the OTel workflow interceptors. */
export function workflowBundle(config?: HeraldConfig) {
  const workflowInterceptorModulesList = config ? workflowInterceptorModules(config) : [];
  bundlePromise ??= bundleWorkflowsInChild({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModulesList });
  return bundlePromise;
}

/** A resolver for tests: names from the map, IP literals as themselves, anything else NXDOMAIN. */
export function mapResolver(map: Record<string, string[]>): Resolver {
  return async (host) => {
    if (map[host]) return map[host]!;
    if (/^[\d.]+$/.test(host) || host.includes(':')) return [host];
    const err = new Error(`getaddrinfo ENOTFOUND ${host}`) as Error & { code: string };
    err.code = 'ENOTFOUND';
    throw err;
  };
}

export interface HarnessOptions {
  env?: Record<string, string>;
  resolve?: Resolver;
  /** Start a worker on this harness' task queue (default true). */
  worker?: boolean;
  /** A PostgreSQL of the test's own (e.g. one it restarts) instead of the run's shared one. */
  pgAdminUrl?: string;
  /** As `npm start`: the API starts deliveries eagerly on the worker's own connection. */
  eagerStart?: boolean;
  /** A Temporal of the test's own instead of the run's shared one. */
  temporalAddress?: string;
}

/** The config a harness gets: its own database and task queue on the run's real services. */
export async function harnessConfig(opts: Pick<HarnessOptions, 'env' | 'pgAdminUrl' | 'temporalAddress'> = {}): Promise<HeraldConfig> {
  const dbName = `herald_${randomBytes(6).toString('hex')}`;
  const adminUrl = opts.pgAdminUrl ?? inject('pgAdminUrl');
  await ensureDatabase(adminUrl, dbName);
  return loadConfig({
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_TASK_QUEUE: `test-${dbName}`,
    HERALD_LOG_LEVEL: 'warn',
    DATABASE_URL: adminUrl.replace(/\/[^/]*$/, `/${dbName}`),
    TEMPORAL_ADDRESS: opts.temporalAddress ?? inject('temporalAddress'),
    ...opts.env,
  });
}

/**
 * Herald built as production builds it (createHerald), with a test's defaults: loopback on an
 * ephemeral port, the test bundle, no startup checks, the given roles and overrides. Started;
 * `stop()` releases it. For tests that need a second API or worker next to a harness.
 */
export async function startHerald(config: HeraldConfig, roles: HeraldRoles, overrides: HeraldOverrides = {}): Promise<Herald> {
  const herald = await createHerald(config, {
    roles,
    overrides: {
      host: '127.0.0.1',
      port: 0,
      startupChecks: false,
      logName: 'test',
      resolve: mapResolver({ localhost: ['127.0.0.1'] }),
      ...(roles.worker ? { workflowBundle: await workflowBundle(config) } : {}),
      eagerStart: false,
      ...overrides,
    },
  });
  try {
    await herald.start();
    return herald;
  } catch (err) {
    await herald.stop();
    throw err;
  }
}

/**
 * Per test file: its own database (migrated), its own task queue, an API server on an
 * ephemeral loopback port, and optionally a worker, all against the run's real services.
 */
export async function createHarness(opts: HarnessOptions = {}) {
  const config = await harnessConfig(opts);
  const herald = await startHerald(
    config,
    { api: true, worker: opts.worker !== false },
    { ...(opts.resolve ? { resolve: opts.resolve } : {}), eagerStart: Boolean(opts.eagerStart) },
  );
  const { db, temporal, apiDeps: deps, apiUrl } = herald.handles as Required<Herald['handles']>;

  return {
    config,
    db,
    temporal,
    deps,
    apiUrl,
    /** Calls procedures in-process, as the given API key. */
    caller: (apiKey?: string) => appRouter.createCaller(createContextInner(deps, apiKey)),
    /** The typed HTTP client, as the given API key. */
    client: (apiKey?: string) => createHeraldClient({ url: apiUrl, apiKey }),
    createTeam: (name = `team-${randomBytes(4).toString('hex')}`) => createTeamWithKey(db, name),
    close: () => herald.stop(),
  };
}
export type Harness = Awaited<ReturnType<typeof createHarness>>;
