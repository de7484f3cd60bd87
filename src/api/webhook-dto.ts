import { z } from 'zod';
import type { WebhookRow } from '../db/database.js';
import { describeEgressProxy } from '../security/egress-proxy.js';
import { describeReceiverAuth } from '../security/receiver-auth.js';
import { maskHeaders } from './sensitive-headers.js';
import { headersSchema, retryPolicySchema } from './webhook-schemas.js';
import { toWebhookHealth, webhookHealthSchema } from './webhook-health.js';
import { recoverOutput } from './output-schemas.js';

const isoTime = z.iso.datetime({ offset: true });

const certificateOutput = z.object({ subject: z.string(), issuer: z.string(), notAfter: isoTime, fingerprint256: z.string() });
const fingerprint = z.string().describe('Changes exactly when the credentials do (12 hex digits of a salted SHA-256).');
/** What the API shows of receiver auth (security/receiver-auth.ts describeReceiverAuth). */
const receiverAuthOutputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('basic'), username: z.string(), fingerprint }),
  z.object({ kind: z.literal('bearer'), fingerprint }),
  z.object({
    kind: z.literal('oauth2_client_credentials'),
    tokenUrl: z.string(),
    clientId: z.string(),
    scope: z.string().nullable(),
    audience: z.string().nullable(),
    clientAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']),
    fingerprint,
  }),
  z.object({
    kind: z.literal('mtls'),
    certificate: certificateOutput.describe('The client certificate: watch notAfter, it is when the receiver starts refusing Herald.'),
    customCa: z.boolean().describe("The receiver's certificate must chain to the webhook's own CA bundle, not the system store."),
    fingerprint,
  }),
]);

/**
 * The public shape of a webhook, and the one place it is described: `toWebhookDto` is typed
 * from it, and the OpenAPI document (src/api/rest) shows it. A new output field goes here first.
 * The secret is never part of it (see webhooks.getSecret). For a key below admin, the values of
 * sensitive headers (sensitive-headers.ts) read `***` (URLs cannot carry credentials: url-safety.ts).
 */
export const webhookOutputSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  projectId: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  url: z.string(),
  httpMethod: z.enum(['POST', 'PUT', 'PATCH']),
  headers: headersSchema,
  eventTypes: z.array(z.string()),
  active: z.boolean(),
  rateLimitPerSecond: z.number().int(),
  maxInFlight: z
    .number()
    .int()
    .nullable()
    .describe('Attempts in flight at once across all workers (1–50); null: the deployment default, HERALD_WEBHOOK_MAX_IN_FLIGHT.'),
  retryPolicy: retryPolicySchema,
  filter: z.record(z.string(), z.unknown()).nullable().describe('The webhook filter (docs/filters.md), or null: every subscribed event.'),
  transformation: z.string().nullable().describe('The transformation run before every attempt (docs/transformations.md), or null.'),
  transformationVersion: z
    .number()
    .int()
    .describe('Raised by every change of the transformation (0: never set); attempt records name the version that ran.'),
  auth: receiverAuthOutputSchema
    .nullable()
    .describe(
      'Receiver authentication (docs/receiver-auth.md): its kind, non-secret fields and fingerprint; never the credential. null: none.',
    ),
  egressProxy: z
    .string()
    .nullable()
    .describe("This webhook's egress: 'direct', its own proxy (credentials masked), or null: the deployment's HERALD_EGRESS_PROXY."),
  ordering: z
    .enum(['none', 'fifo'])
    .describe("'fifo': one delivery at a time per ordering key, in accepted order (docs/ordered-delivery.md)."),
  blockOnFailure: z.boolean().describe('fifo only: the next waits for the one before to end (true) or only for its first attempt (false).'),
  disabledReason: z
    .string()
    .nullable()
    .describe('Why Herald deactivated it (auto-disable after sustained failure, 410 Gone, the API), or null.'),
  health: webhookHealthSchema.describe(
    'Endpoint health: recent success rate, failure streak, last success and failure, failing and disabled since.',
  ),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type WebhookDto = z.output<typeof webhookOutputSchema>;

/** `webhooks.get`: the webhook plus its queue figures (repositories/deliveries-repo.ts `webhookStats`). */
export const webhookDetailOutputSchema = webhookOutputSchema.extend({
  queueLength: z.number().int().describe('Deliveries pending their first attempt result.'),
  retryQueueLength: z.number().int().describe('Deliveries waiting for their next retry.'),
  latestRun: z
    .object({
      deliveryId: z.string(),
      status: z.string(),
      attempts: z.number().int(),
      responseStatusCode: z.number().int().nullable(),
      error: z.string().nullable(),
      at: isoTime,
    })
    .nullable(),
});

/** `webhooks.create`: the webhook plus its signing secret, returned this once for convenience. */
export const createdWebhookOutputSchema = webhookOutputSchema.extend({ secret: z.string() });

/** `webhooks.enable`: the re-enabled webhook and the recovery it started (start-recovery.ts); null for `recover: 'none'`. */
export const enabledWebhookOutputSchema = webhookOutputSchema.extend({
  recovered: recoverOutput
    .nullable()
    .describe(
      'The recovery started (answered at once; progress: deliveries.recoveryStatus) of the deliveries that ended failed, or cancelled because the webhook was inactive, at or after `since`.',
    ),
});

/** `webhooks.list`: one page, api.video style. */
export const webhookListOutputSchema = z.object({
  data: z.array(webhookOutputSchema),
  pagination: z.object({
    currentPage: z.number().int(),
    pageSize: z.number().int(),
    pagesTotal: z.number().int(),
    itemsTotal: z.number().int(),
  }),
});

/** `reveal`: the caller's key is admin, and sees receiver credentials in headers in full. */
export function toWebhookDto(w: WebhookRow, reveal: boolean): WebhookDto {
  return {
    id: w.id,
    teamId: w.team_id,
    projectId: w.project_id,
    name: w.name,
    description: w.description,
    url: w.url,
    httpMethod: w.http_method,
    headers: reveal ? w.headers : maskHeaders(w.headers),
    eventTypes: w.event_types,
    active: w.active,
    rateLimitPerSecond: w.rate_limit_per_second,
    /** Null: the deployment default (HERALD_WEBHOOK_MAX_IN_FLIGHT). */
    maxInFlight: w.max_in_flight,
    retryPolicy: w.retry_policy,
    filter: w.filter,
    transformation: w.transformation,
    transformationVersion: w.transformation_version,
    auth: describeReceiverAuth(w.auth),
    egressProxy: describeEgressProxy(w.egress_proxy),
    ordering: w.ordering,
    blockOnFailure: w.block_on_failure,
    disabledReason: w.disabled_reason,
    health: toWebhookHealth(w),
    createdAt: w.created_at.toISOString(),
    updatedAt: w.updated_at.toISOString(),
  };
}
