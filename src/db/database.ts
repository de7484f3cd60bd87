import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { PreviousSecret } from '../security/previous-secret.js';
import type { RetryPolicy } from '../delivery/types.js';
import type { ApiKeyScope } from '../security/api-key-scopes.js';
import type { StoredEgressProxy } from '../security/egress-proxy.js';
import type { StoredReceiverAuth } from '../security/receiver-auth.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface TeamsTable {
  id: string;
  name: string;
  /** Null: the configured default applies. */
  max_active_webhooks: number | null;
  created_at: Timestamp;
  /** Days events, deliveries and attempt records are kept; null: HERALD_RETENTION_DAYS. */
  retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  /** Origins allowed to embed the team's consumer portal (CSP frame-ancestors, besides its own). */
  portal_frame_ancestors: ColumnType<string[], string[] | undefined, string[]>;
}

export interface ApiKeysTable {
  id: string;
  team_id: string;
  name: string;
  /** Visible part of the key, e.g. `hk_ab12cd34`. */
  prefix: string;
  /** SHA-256 hex of the whole key; the key itself is never stored. */
  key_hash: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  /** What the key may call (api-key-scopes.ts); `admin` for keys older than scopes. */
  scope: Generated<ApiKeyScope>;
}

/** A project is also the consumer of the portal (docs/consumers.md): the platform customer owning its webhooks. */
export interface ProjectsTable {
  id: string;
  team_id: string;
  name: string;
  /** The platform's own id for the consumer, unique per team; null: none. */
  uid: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

/** A consumer-portal session (services/portal-sessions.ts); the secrets kept as SHA-256 hex only. */
export interface PortalSessionsTable {
  id: string;
  team_id: string;
  project_id: string;
  permissions: 'read' | 'manage';
  theme: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  token_hash: string;
  cookie_hash: string | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  exchanged_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface EventTypesTable {
  team_id: string;
  name: string;
  description: Generated<string>;
  schema: Json<Record<string, unknown> | null> | null;
  archived: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhooksTable {
  id: string;
  team_id: string;
  project_id: string | null;
  name: string;
  description: string | null;
  url: string;
  http_method: 'POST' | 'PUT' | 'PATCH';
  headers: Json<Record<string, string>>;
  event_types: string[];
  active: boolean;
  rate_limit_per_second: number;
  retry_policy: Json<RetryPolicy>;
  secret: string;
  /** Up to 5 previous secrets, newest first, each with its own expiry (delivery/previous-secrets.ts); written as JSON text. */
  previous_secrets: ColumnType<PreviousSecret[], string | undefined, string>;
  disabled_reason: string | null;
  /** Most attempts in flight at once, all workers; null: HERALD_WEBHOOK_MAX_IN_FLIGHT. */
  max_in_flight: ColumnType<number | null, number | null | undefined, number | null>;
  /** The webhook filter as the API took it (delivery/webhook-filter.ts); null: no filter. Written as JSON text. */
  filter: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** `filter` compiled to a jsonpath predicate over `{ type, data }`; null exactly when `filter` is. */
  filter_path: ColumnType<string | null, string | null | undefined, string | null>;
  /** The transformation's JavaScript source (delivery/transform-sandbox.ts); null: sent as it is. */
  transformation: ColumnType<string | null, string | null | undefined, string | null>;
  /** Raised by every change of `transformation`; attempt records name the version that ran. */
  transformation_version: Generated<number>;
  /** Receiver credentials (security/receiver-auth.ts), secrets sealed; null: none. Written as JSON text. */
  auth: ColumnType<StoredReceiverAuth | null, string | null | undefined, string | null>;
  /** null: the deployment's HERALD_EGRESS_PROXY; else the webhook's own (security/egress-proxy.ts). Written as JSON text. */
  egress_proxy: ColumnType<StoredEgressProxy | null, string | null | undefined, string | null>;
  /** 'fifo': one delivery at a time per ordering key, in the order Herald accepted the events (docs/ordered-delivery.md). */
  ordering: Generated<'none' | 'fifo'>;
  /** fifo only: the next waits until the one before it succeeds, fails or is cancelled (true), or only for its first attempt (false). */
  block_on_failure: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  // Endpoint health (delivery/endpoint-health.ts), written with every attempt record.
  /** Failed attempts since the last success. */
  consecutive_failures: Generated<number>;
  last_success_at: NullableTimestamp;
  last_failure_at: NullableTimestamp;
  /** Start of the current run of failures; null once an attempt succeeds. */
  failing_since: NullableTimestamp;
  /** Decayed counts (half-life HEALTH_HALF_LIFE_MS) as of `health_updated_at`. */
  health_successes: Generated<number>;
  health_failures: Generated<number>;
  health_updated_at: NullableTimestamp;
  /** When the webhook was disabled (automatically, by 410 Gone, or by the API); null while active. */
  disabled_at: NullableTimestamp;
}

export interface EventsTable {
  team_id: string;
  id: string;
  type: string;
  project_id: string | null;
  /** `data` as jsonb: filled only for events stored before `data_raw` existed. */
  data: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** `data` exactly as the publisher sent it (JSON text); stored, signed and sent as is. */
  data_raw: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  dispatched_at: NullableTimestamp;
  /** Sweeps that failed to dispatch this event with a non-infrastructure error (poison). */
  dispatch_failures: Generated<number>;
  dispatch_error: string | null;
  /** Set by events.erasePayload, which clears `data` and `data_raw`; id, type and times stay. */
  payload_erased_at: NullableTimestamp;
  /** The publish's `orderingKey`; null: none (fifo webhooks use their default sequence). */
  ordering_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeliveriesTable {
  /** The delivery workflow id: `delivery:<eventId>:<webhookId>`. */
  id: string;
  team_id: string;
  event_id: string;
  webhook_id: string;
  event_type: string;
  status: string;
  attempts: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: NullableTimestamp;
  next_attempt_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The workflow run this row mirrors (written with every attempt and by replay); null before its first. */
  run_id: string | null;
  /** Why the delivery ended as failed or cancelled (the workflow state's `reason`). */
  reason: string | null;
  /** `reason` as a code (core/delivery-reasons.ts); recovery matches on it. */
  reason_code: string | null;
  /** When the reconcile sweep last found its workflow running (rows pending or retrying only). */
  reconciled_at: NullableTimestamp;
  /** On a fifo webhook's deliveries only: the event's ordering key ('' for none) and its number in that sequence (1, 2, …). */
  ordering_key: ColumnType<string | null, string | null | undefined, string | null>;
  sequence: ColumnType<string | null, number | null | undefined, number | null>;
}

/** OAuth2 tokens shared by the worker processes (core/attempt/oauth-tokens.ts); the token sealed. */
export interface OAuthTokensTable {
  webhook_id: string;
  fingerprint: string;
  team_id: string;
  sealed: string;
  /** SHA-256 hex of the token: a 401 drops exactly the token it was answered to. */
  token_hash: string;
  renew_at: Timestamp;
}

/** The last sequence number given per (fifo webhook, ordering key); its row lock orders concurrent publishes. */
export interface DeliverySequencesTable {
  webhook_id: string;
  ordering_key: string;
  team_id: string;
  last_sequence: ColumnType<string, number, number>;
}

/** One attempt record of one workflow run, kept beyond Temporal's retention. */
export interface DeliveryAttemptsTable {
  delivery_id: string;
  run_id: string;
  attempt: number;
  /** The record's own id (`att_…`). */
  id: string;
  team_id: string;
  webhook_id: string;
  address: string;
  created_at: Timestamp;
  duration_ms: number;
  response_status_code: number | null;
  response_headers: Json<Record<string, string>>;
  /** Up to HERALD_RESPONSE_BODY_MAX_BYTES; workflow state keeps only the first 1 KiB. */
  response_body: string;
  error: Json<{ kind: string; message: string } | null> | null;
  max_attempts: number | null;
  next_attempt_at: NullableTimestamp;
  recorded_at: Generated<Date>;
  /** The attempt's decided outcome (null on rows recorded before it was kept: those re-runs send again). */
  status: 'succeeded' | 'failed' | 'retrying' | null;
  /** Why it failed (a reason's text); null when it succeeded or is retrying. */
  reason: string | null;
  /** The webhook's transformation version that built the request; null: none ran. */
  transformation_version: Generated<number | null>;
  /** The receiver-auth kind the attempt authenticated with (security/receiver-auth.ts); null: none. */
  auth_kind: Generated<string | null>;
  /** The headers the attempt sent, secrets masked (delivery/shown-request-headers.ts); null: none recorded. Written as JSON text. */
  request_headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
}

export interface RateLimitsTable {
  key: string;
  tat: Timestamp;
}

/** Concurrency leases of one webhook (db/migrations/2026-11-30T100000_webhook_in_flight.ts). */
export interface WebhookInFlightTable {
  webhook_id: string;
  /** Delivery id → lease expiry, epoch ms on Postgres' clock. */
  leases: ColumnType<Record<string, number>, string | undefined, string>;
  hold_ms: number | null;
  next_wake_at: Generated<Date>;
}

/** A deleted webhook whose deliveries' attempt records are still being redacted (worker/purge-deleted-webhooks.ts). */
export interface WebhookPurgesTable {
  webhook_id: string;
  team_id: string;
  deleted_at: Timestamp;
  /** Keyset cursor: deliveries with ids up to this one are done in the current pass. */
  after_delivery_id: Generated<string>;
}

/** Concurrency leases of one team, all its webhooks together (db/migrations/2026-12-03T120000_team_in_flight.ts). */
export interface TeamInFlightTable {
  team_id: string;
  /** Delivery id → lease expiry, epoch ms on Postgres' clock. */
  leases: ColumnType<Record<string, number>, string | undefined, string>;
  hold_ms: number | null;
  next_wake_at: Generated<Date>;
}

export interface Database {
  portal_sessions: PortalSessionsTable;
  oauth_tokens: OAuthTokensTable;
  delivery_sequences: DeliverySequencesTable;
  teams: TeamsTable;
  api_keys: ApiKeysTable;
  projects: ProjectsTable;
  event_types: EventTypesTable;
  webhooks: WebhooksTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  rate_limits: RateLimitsTable;
  webhook_in_flight: WebhookInFlightTable;
  webhook_purges: WebhookPurgesTable;
  team_in_flight: TeamInFlightTable;
  webhook_transformations: WebhookTransformationsTable;
}

/** Every version of a webhook's transformation (null source: removed at that version). */
export interface WebhookTransformationsTable {
  webhook_id: string;
  version: number;
  source: string | null;
  created_at: Generated<Date>;
}

export type Team = Selectable<TeamsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type Project = Selectable<ProjectsTable>;
export type EventTypeRow = Selectable<EventTypesTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type NewWebhook = Insertable<WebhooksTable>;
export type WebhookUpdate = Updateable<WebhooksTable>;
/**
 * An event as publish and delivery see it; the sweep's bookkeeping columns are left out, and
 * `payload_erased_at` is there only where it was selected (reads, the attempt's load).
 */
export type EventRow = Omit<Selectable<EventsTable>, 'dispatch_failures' | 'dispatch_error' | 'payload_erased_at' | 'ordering_key'> & {
  payload_erased_at?: Date | null;
  ordering_key?: string | null;
};
export type DeliveryRow = Selectable<DeliveriesTable>;
