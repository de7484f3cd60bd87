/** Shared delivery types. Pure data: safe to import from workflows, activities and the API. */

/** A webhook's own retry policy. Units are in the field names. */
export type RetryPolicy =
  | { kind: 'window'; windowMinutes: number }
  | {
      kind: 'attempts';
      maxAttempts: number;
      intervalSeconds: number;
      backoff: 'fixed' | 'exponential';
    };

/** Default when a webhook is created without a policy: a 24 h window, like Svix and Outpost. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { kind: 'window', windowMinutes: 1440 };

/** `invalid`: nothing was sent, the request could not be built from the stored data. */
/** `transform`: the webhook's transformation threw, hit a limit or returned a bad result; nothing was sent. */
/** `auth`: the receiver's OAuth2 token endpoint refused or failed; nothing was sent to the receiver. */
export type AttemptErrorKind = 'dns' | 'connect' | 'tls' | 'timeout' | 'reset' | 'blocked' | 'invalid' | 'transform' | 'auth' | 'other';

export interface AttemptError {
  kind: AttemptErrorKind;
  message: string;
}

/** What one HTTP attempt produced, before any retry decision. */
export interface SendResult {
  /** ISO-8601 time the request started. */
  startedAt: string;
  durationMs: number;
  /** Undefined when no response arrived. */
  statusCode?: number;
  /** Lower-cased header names; only the kept subset (see KEPT_RESPONSE_HEADERS). */
  responseHeaders: Record<string, string>;
  /** At most the configured cap of bytes, decoded as UTF-8. */
  responseBody: string;
  responseBodyTruncated: boolean;
  error?: AttemptError;
}

export const KEPT_RESPONSE_HEADERS = [
  'content-type',
  'server',
  'date',
  'cache-control',
  'transfer-encoding',
  'retry-after',
  'content-length',
] as const;

/** Classification of one attempt's outcome; retry decisions switch on `kind`, never on text. */
export type Outcome =
  | { kind: 'success' }
  | { kind: 'retryable'; retryAfterMs?: number }
  | { kind: 'gone' }
  | { kind: 'blocked' }
  | { kind: 'invalid'; message: string };

/**
 * `pending` until the first attempt has a result, `retrying` between attempts; an attempt in
 * flight keeps the status it had (a `delivering` status would cost a write per attempt).
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

/** The per-attempt record kept in workflow state (FastPix fields plus timing). */
export interface AttemptRecord {
  id: string;
  attempt: number;
  webhookId: string;
  address: string;
  createdAt: string;
  durationMs: number;
  responseStatusCode: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string;
  error: AttemptError | null;
  maxAttempts: number | null;
  nextAttemptAt: string | null;
  /** The webhook's transformation version that built this request; absent: none ran. */
  transformationVersion?: number;
  /** The receiver-auth kind this attempt authenticated with (never a credential); absent: none. */
  auth?: 'basic' | 'bearer' | 'oauth2_client_credentials' | 'mtls';
  /** The headers sent, secrets masked: in records read from PostgreSQL only (never in workflow state). */
  requestHeaders?: Record<string, string>;
}
