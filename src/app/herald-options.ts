import type { WorkerOptions } from '@temporalio/worker';
import type { Resolver } from '../security/url-safety.js';
import type { Infrastructure } from './start-infrastructure.js';

/**
 * Which parts of Herald this process runs. `npm start`: all three; `npm run api`: api;
 * `npm run worker`: worker, sweeps and workerMetrics. None at all: only the infrastructure, the
 * database and migrations (`npm run migrate`, `npm run admin`, tools that seed a database).
 */
export interface HeraldRoles {
  /** The HTTP API (tRPC, REST, /healthz, /metrics); listens last. */
  api?: boolean;
  /** A Temporal worker on the config's task queue (workflows and activities). */
  worker?: boolean;
  /** The undispatched-event sweep, the delivery reconciler and the retention job. */
  sweeps?: boolean;
  /** `npm run worker`'s own /metrics listener (HERALD_WORKER_METRICS_PORT). */
  workerMetrics?: boolean;
}

/** Tests, the bench and tools change these; production entry points leave them unset. */
export interface HeraldOverrides {
  /** DNS for the API's URL checks and the delivery agent (default: the system resolver). */
  resolve?: Resolver;
  /** A pre-built workflow bundle (tests build one per file). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Most workflow tasks in progress at once on the worker (default 200). */
  maxConcurrentWorkflowTasks?: number;
  /** Where the API listens (default config.api.host / config.api.port); port 0: an ephemeral one. */
  host?: string;
  port?: number;
  /** Run migrations on start (default true). */
  migrate?: boolean;
  /** Services already running; nothing embedded is started and `stop()` leaves them running. */
  infra?: Infrastructure;
  /** Use this PostgreSQL instead of DATABASE_URL or an embedded one. */
  databaseUrl?: string;
  /** Use this Temporal frontend instead of TEMPORAL_ADDRESS or an embedded dev server. */
  temporalAddress?: string;
  /** Start no embedded Temporal dev server and connect to no Temporal at all (migrate, admin). */
  noTemporal?: boolean;
  /**
   * API and worker in one process: the API starts deliveries on the worker's connection, eagerly
   * (default config.temporal.eagerStart; only with both roles).
   */
  eagerStart?: boolean;
  /**
   * On start, check stored signing secrets against HERALD_ENCRYPTION_KEY and warn about
   * HERALD_ALLOW_PRIVATE_TARGETS (default true; tests turn both off).
   */
  startupChecks?: boolean;
  /** Create a `default` team with a key when the database has none (`npm start`); see handles.firstTeam. */
  defaultTeam?: boolean;
  /** The logger's component name (default `herald`). */
  logName?: string;
}

export interface CreateHeraldOptions {
  roles?: HeraldRoles;
  overrides?: HeraldOverrides;
}
