import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type Keyring, parseKeyring } from './security/encryption-keys.js';
import { PROXY_URL } from './security/egress-proxy.js';

/**
 * Herald's whole configuration, parsed once from the environment and frozen.
 * This is the only module that reads `process.env`; every key is documented in
 * README.md and listed in .env.example.
 */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'herald');
}

const schema = z.object({
  HERALD_DATA_DIR: z.string().default('.herald'),
  HERALD_CACHE_DIR: optionalString,
  HERALD_API_HOST: z.string().default('127.0.0.1'),
  HERALD_API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HERALD_PUBLIC_URL: optionalString,
  DATABASE_URL: optionalString,
  HERALD_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  HERALD_DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  HERALD_DB_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  // Milliseconds; 0 = no limit. API and delivery statements / sweeps / migrations (db/create-db.ts).
  HERALD_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  HERALD_DB_BACKGROUND_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  HERALD_DB_MIGRATION_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS_CA_PATH: optionalString,
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_UI_URL: optionalString,
  TEMPORAL_CLI: optionalString,
  HERALD_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  HERALD_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  HERALD_TEMPORAL_GOGC: z.coerce.number().int().min(25).max(10_000).default(400),
  HERALD_TEMPORAL_GOMAXPROCS: z.coerce.number().int().min(0).max(256).default(1),
  HERALD_TEMPORAL_FAIRNESS: bool.default(true),
  /** Unset: HERALD_RETENTION_DAYS, so workflow histories (attempt copies) go when Herald's rows go. */
  HERALD_TEMPORAL_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).optional()),
  HERALD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  HERALD_RETENTION_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
  HERALD_RETENTION_EVERY_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  HERALD_CLUSTER_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535 - 80)
    .default(7400),
  HERALD_CLUSTER_PG_URL: optionalString,
  HERALD_CLUSTER_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5434),
  HERALD_CLUSTER_HISTORY_SHARDS: z.coerce.number().int().min(1).max(16384).default(4),
  HERALD_CLUSTER_UI: bool.default(true),
  HERALD_CLUSTER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  HERALD_TASK_QUEUE: z.string().min(1).default('herald-deliveries'),
  HERALD_EAGER_START: bool.default(true),
  HERALD_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  HERALD_WORKFLOW_DEADLOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  HERALD_WORKFLOW_STACK_TRACES: bool.default(false),
  HERALD_WORKFLOW_THREAD: bool.default(false),
  HERALD_ALLOW_PRIVATE_TARGETS: bool.default(false),
  HERALD_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  HERALD_WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(50).default(10),
  HERALD_TEAM_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(50),
  HERALD_TEAM_CONNECTIONS_PER_ORIGIN: z.coerce.number().int().min(1).max(1000).default(50),
  HERALD_TEAM_POOLS: z.coerce.number().int().min(1).max(100_000).default(256),
  // An http:// or https:// forward proxy (CONNECT) every delivery goes through; empty: none.
  HERALD_EGRESS_PROXY: z
    .string()
    .default('')
    .refine((v) => v === '' || PROXY_URL.test(v), 'must be http(s)://[user:password@]host[:port], or empty'),
  // OAuth2 token requests' whole budget, ms (connect, answer and body).
  HERALD_OAUTH_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  HERALD_RESPONSE_BODY_MAX_BYTES: z.coerce.number().int().min(0).max(1_048_576).default(4096),
  HERALD_RETRY_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  HERALD_SECRET_ROTATION_GRACE_HOURS: z.coerce.number().min(0).max(720).default(24),
  // Fractions allowed (tests use seconds: 0.05 = 3 s); 0 = never disable automatically. Default 5 days (Svix).
  HERALD_ENDPOINT_DISABLE_AFTER_MINUTES: z.coerce.number().min(0).max(525_600).default(7200),
  HERALD_MAX_ACTIVE_WEBHOOKS: z.coerce.number().int().min(1).max(100_000).default(10),
  HERALD_TEAM_PUBLISH_CONCURRENCY: z.coerce.number().int().min(0).max(1000).default(2),
  HERALD_TEAM_READ_CONCURRENCY: z.coerce.number().int().min(0).max(1000).default(4),
  HERALD_API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  HERALD_AUTH_FAIL_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(20),
  // Unset: the per-key limit, so a team's keys together get what one key gets.
  HERALD_TEAM_RATE_LIMIT_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1_000_000).optional()),
  HERALD_MAX_API_KEYS_PER_TEAM: z.coerce.number().int().min(1).max(10_000).default(50),
  HERALD_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // `id:base64key[,…]`; the first encrypts, all decrypt. Messages name entries, never key bytes.
  HERALD_ENCRYPTION_KEY: z.preprocess(emptyToUndefined, z.string().optional()).transform((v, ctx) => {
    const r = parseKeyring(v);
    if (r.ok) return r.keyring;
    for (const message of r.errors) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }),
  HERALD_METRICS_ENABLED: bool.default(true),
  // Unset: the API's /metrics answers loopback peers only.
  HERALD_METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  HERALD_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  HERALD_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  HERALD_TEMPORAL_METRICS_ADDRESS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
      .optional(),
  ),
  HERALD_OTEL_ENABLED: bool.default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:4318'),
  OTEL_SERVICE_NAME: z.string().min(1).default('herald'),
});

export interface HeraldConfig {
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly api: { readonly host: string; readonly port: number; readonly publicUrl?: string };
  readonly databaseUrl?: string;
  readonly embeddedPgPort: number;
  /** Pools and per-class statement time bounds (ms, 0 = none); Postgres cancels a statement past its bound (SQLSTATE 57014). */
  readonly db: {
    /** Connections of the main pool (API requests and delivery activities) per process. */
    readonly poolSize: number;
    /** How long a pooled connection may sit idle before it is closed, ms; 0 = never (db/create-db.ts). */
    readonly idleTimeoutMs: number;
    /** statement_timeout of the main pool. */
    readonly statementTimeoutMs: number;
    /** statement_timeout of the sweeps' own small pool (undispatched events, reconcile). */
    readonly backgroundStatementTimeoutMs: number;
    /** statement_timeout of the migrations' connection (concurrent index builds on large tables take long). */
    readonly migrationStatementTimeoutMs: number;
  };
  readonly temporal: {
    /** Undefined: Herald starts an embedded dev server. */
    readonly address?: string;
    readonly namespace: string;
    readonly tls: boolean;
    readonly tlsCertPath?: string;
    readonly tlsKeyPath?: string;
    readonly tlsCaPath?: string;
    readonly apiKey?: string;
    readonly uiUrl?: string;
    readonly cliPath?: string;
    readonly devPort: number;
    readonly devUiPort: number;
    readonly retentionDays: number;
    /** GOGC of the embedded dev server. */
    readonly devGoGc: number;
    /** GOMAXPROCS of the embedded dev server; 0 = Go's default (all cores). */
    readonly devGoMaxProcs: number;
    /** Task-queue fairness by team on the embedded dev server (a cluster sets it in its dynamic config). */
    readonly devFairness: boolean;
    readonly taskQueue: string;
    /** `npm start` only (API and worker in one process): start deliveries eagerly on the worker's connection. */
    readonly eagerStart: boolean;
    /** Deadline of a publish's Temporal calls (its workflow starts), ms, from when it starts in its team's lane. */
    readonly publishTimeoutMs: number;
    /**
     * The SDK's per-call deadlock detection in the workflow sandbox, ms; 0 = off (default). On,
     * Node starts and joins a watchdog thread on every call into the sandbox (see patches/).
     */
    readonly workflowDeadlockTimeoutMs: number;
    /** Stack traces of running workflows for the Temporal UI; off by default: a stack per promise (see patches/). */
    readonly workflowStackTraces: boolean;
    /**
     * Run workflow code on a worker thread (the SDK's default) instead of the worker's main thread.
     * Off by default: every activation then costs structured-clone copies both ways (postMessage).
     */
    readonly workflowThread: boolean;
  };
  /** `npm run cluster`: a multi-process temporal-server on PostgreSQL (README "Real cluster"). */
  readonly cluster: {
    /** Frontend gRPC port; every other port is an offset from it. */
    readonly basePort: number;
    /** External PostgreSQL for persistence and visibility; undefined: embedded on `pgPort`. */
    readonly pgUrl?: string;
    readonly pgPort: number;
    /** Fixed when the databases are first set up. */
    readonly historyShards: number;
    readonly ui: boolean;
    readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  };
  readonly delivery: {
    readonly allowPrivateTargets: boolean;
    /** Whole-attempt budget: connect, headers and body read. */
    readonly timeoutMs: number;
    /** Bytes of response body kept in the attempt record. */
    readonly responseBodyMaxBytes: number;
    /** Multiplies window-policy delays and windows; 1 in production, smaller in tests. */
    readonly retryTimeScale: number;
    readonly secretRotationGraceHours: number;
    /** Attempts in flight at once per webhook, all workers together, unless the webhook sets its own. */
    readonly maxInFlight: number;
    /** Attempts in flight at once per team, all its webhooks and all workers together. */
    readonly teamMaxInFlight: number;
    /** Connections one team's deliveries may open to one origin, per worker process. */
    readonly teamConnectionsPerOrigin: number;
    /** Teams whose connection pools a worker keeps at once; the least recently used beyond it are closed. */
    readonly teamPools: number;
    /** The deployment's forward proxy for deliveries (core/attempt/egress.ts); null: none. May carry credentials: never log it. */
    readonly egressProxy: string | null;
    /** Budget of one OAuth2 token request, ms. */
    readonly oauthTokenTimeoutMs: number;
    /** An endpoint whose every attempt failed for this long (ms) is disabled; 0 = never. */
    readonly disableAfterFailingMs: number;
  };
  /** The retention job (worker/purge-expired.ts), run with the sweeps. */
  readonly retention: {
    /** Days events, deliveries and attempt records are kept, unless the team sets its own (teams.retention_days). */
    readonly days: number;
    /** Most rows of each kind one tick deletes or redacts (deliveries count with their attempt records). */
    readonly batchSize: number;
    readonly everyMs: number;
  };
  readonly limits: {
    readonly maxActiveWebhooks: number;
    readonly apiRateLimitPerMinute: number;
    readonly authFailLimitPerMinute: number;
    /** Requests per minute of all a team's keys together, per API process. */
    readonly teamRateLimitPerMinute: number;
    /** Unrevoked API keys a team may hold. */
    readonly maxApiKeysPerTeam: number;
    /** Publishes of one team stored and started at once per API process; 0 = no limit (team-publish-lanes.ts). */
    readonly teamPublishConcurrency: number;
    /** Read calls (gets, lists) of one team run at once per API process, so one team cannot hold the whole pool; 0 = no limit. */
    readonly teamReadConcurrency: number;
  };
  /**
   * HERALD_ENCRYPTION_KEY: keys that seal webhook signing secrets at rest (src/security/secret-envelope.ts).
   * The first seals, all open; empty: secrets are stored in clear (development).
   */
  readonly encryptionKeys: Keyring;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Metrics and traces (README "Metrics and traces"). */
  readonly observability: {
    /** `/metrics` on the API (and the worker's own port), and the Temporal SDK's runtime metrics. */
    readonly metricsEnabled: boolean;
    /** The API's `/metrics` wants `Authorization: Bearer <this>`; undefined: it answers loopback peers only. */
    readonly metricsToken?: string;
    /** `npm run worker` only: where its `/metrics` listens; port 0 = no listener. */
    readonly workerMetricsHost: string;
    readonly workerMetricsPort: number;
    /** host:port of the SDK's own Prometheus listener; undefined: a free loopback port. Proxied into `/metrics` either way. */
    readonly temporalMetricsAddress?: string;
    /** OpenTelemetry traces (OTLP/HTTP to `otlpEndpoint`); off by default. */
    readonly otelEnabled: boolean;
    /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
    readonly otlpEndpoint: string;
    readonly serviceName: string;
  };
  /** The process PATH, where the Temporal CLI and Go are looked up. */
  readonly pathEnv: string;
}

/** Parses an environment into a frozen config; throws one error naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid Herald configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const config: HeraldConfig = {
    dataDir: path.resolve(e.HERALD_DATA_DIR),
    cacheDir: e.HERALD_CACHE_DIR ?? defaultCacheDir(env),
    api: { host: e.HERALD_API_HOST, port: e.HERALD_API_PORT, publicUrl: e.HERALD_PUBLIC_URL },
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.HERALD_EMBEDDED_PG_PORT,
    db: {
      poolSize: e.HERALD_DB_POOL_SIZE,
      idleTimeoutMs: e.HERALD_DB_IDLE_TIMEOUT_MS,
      statementTimeoutMs: e.HERALD_DB_STATEMENT_TIMEOUT_MS,
      backgroundStatementTimeoutMs: e.HERALD_DB_BACKGROUND_STATEMENT_TIMEOUT_MS,
      migrationStatementTimeoutMs: e.HERALD_DB_MIGRATION_STATEMENT_TIMEOUT_MS,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      tls: e.TEMPORAL_TLS,
      tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
      tlsCaPath: e.TEMPORAL_TLS_CA_PATH,
      apiKey: e.TEMPORAL_API_KEY,
      uiUrl: e.TEMPORAL_UI_URL,
      cliPath: e.TEMPORAL_CLI,
      devPort: e.HERALD_TEMPORAL_PORT,
      devUiPort: e.HERALD_TEMPORAL_UI_PORT,
      retentionDays: e.HERALD_TEMPORAL_RETENTION_DAYS ?? e.HERALD_RETENTION_DAYS,
      devGoGc: e.HERALD_TEMPORAL_GOGC,
      devGoMaxProcs: e.HERALD_TEMPORAL_GOMAXPROCS,
      devFairness: e.HERALD_TEMPORAL_FAIRNESS,
      taskQueue: e.HERALD_TASK_QUEUE,
      eagerStart: e.HERALD_EAGER_START,
      publishTimeoutMs: e.HERALD_PUBLISH_TIMEOUT_MS,
      workflowDeadlockTimeoutMs: e.HERALD_WORKFLOW_DEADLOCK_TIMEOUT_MS,
      workflowStackTraces: e.HERALD_WORKFLOW_STACK_TRACES,
      workflowThread: e.HERALD_WORKFLOW_THREAD,
    },
    cluster: {
      basePort: e.HERALD_CLUSTER_PORT,
      pgUrl: e.HERALD_CLUSTER_PG_URL,
      pgPort: e.HERALD_CLUSTER_PG_PORT,
      historyShards: e.HERALD_CLUSTER_HISTORY_SHARDS,
      ui: e.HERALD_CLUSTER_UI,
      logLevel: e.HERALD_CLUSTER_LOG_LEVEL,
    },
    delivery: {
      allowPrivateTargets: e.HERALD_ALLOW_PRIVATE_TARGETS,
      timeoutMs: e.HERALD_DELIVERY_TIMEOUT_MS,
      responseBodyMaxBytes: e.HERALD_RESPONSE_BODY_MAX_BYTES,
      retryTimeScale: e.HERALD_RETRY_TIME_SCALE,
      secretRotationGraceHours: e.HERALD_SECRET_ROTATION_GRACE_HOURS,
      maxInFlight: e.HERALD_WEBHOOK_MAX_IN_FLIGHT,
      teamMaxInFlight: e.HERALD_TEAM_MAX_IN_FLIGHT,
      teamConnectionsPerOrigin: e.HERALD_TEAM_CONNECTIONS_PER_ORIGIN,
      teamPools: e.HERALD_TEAM_POOLS,
      egressProxy: e.HERALD_EGRESS_PROXY === '' ? null : e.HERALD_EGRESS_PROXY,
      oauthTokenTimeoutMs: e.HERALD_OAUTH_TOKEN_TIMEOUT_MS,
      disableAfterFailingMs: Math.round(e.HERALD_ENDPOINT_DISABLE_AFTER_MINUTES * 60_000),
    },
    retention: { days: e.HERALD_RETENTION_DAYS, batchSize: e.HERALD_RETENTION_BATCH, everyMs: e.HERALD_RETENTION_EVERY_MS },
    limits: {
      maxActiveWebhooks: e.HERALD_MAX_ACTIVE_WEBHOOKS,
      apiRateLimitPerMinute: e.HERALD_API_RATE_LIMIT_PER_MINUTE,
      teamPublishConcurrency: e.HERALD_TEAM_PUBLISH_CONCURRENCY,
      teamReadConcurrency: e.HERALD_TEAM_READ_CONCURRENCY,
      authFailLimitPerMinute: e.HERALD_AUTH_FAIL_LIMIT_PER_MINUTE,
      teamRateLimitPerMinute: e.HERALD_TEAM_RATE_LIMIT_PER_MINUTE ?? e.HERALD_API_RATE_LIMIT_PER_MINUTE,
      maxApiKeysPerTeam: e.HERALD_MAX_API_KEYS_PER_TEAM,
    },
    encryptionKeys: e.HERALD_ENCRYPTION_KEY,
    logLevel: e.HERALD_LOG_LEVEL,
    observability: {
      metricsEnabled: e.HERALD_METRICS_ENABLED,
      metricsToken: e.HERALD_METRICS_TOKEN,
      workerMetricsHost: e.HERALD_WORKER_METRICS_HOST,
      workerMetricsPort: e.HERALD_WORKER_METRICS_PORT,
      temporalMetricsAddress: e.HERALD_TEMPORAL_METRICS_ADDRESS,
      otelEnabled: e.HERALD_OTEL_ENABLED,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''),
      serviceName: e.OTEL_SERVICE_NAME,
    },
    pathEnv: env.PATH ?? '',
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
