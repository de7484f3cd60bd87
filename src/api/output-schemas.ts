import { z } from 'zod';
import { SEED_CATALOGS } from '../catalogs/seed-catalogs.js';
import { API_KEY_SCOPES } from '../security/api-key-scopes.js';

/**
 * What each procedure answers, as zod schemas: the OpenAPI document's response schemas
 * (src/api/rest). The route table ties each one to its procedure's inferred output type, so a
 * schema that claims what the procedure does not return fails to compile; the contract test
 * checks real responses against them with no extra properties allowed. Webhook shapes are in
 * webhook-dto.ts, next to the function that builds them.
 */

const isoTime = z.iso.datetime({ offset: true });
const nullableTime = isoTime.nullable();
const STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

const probe = z.union([z.object({ ok: z.literal(true), latencyMs: z.number() }), z.object({ ok: z.literal(false), error: z.string() })]);
export const healthOutput = z.object({ ok: z.boolean(), postgres: probe, temporal: probe });

const apiKey = z.object({ id: z.string(), name: z.string(), prefix: z.string(), scope: z.enum(API_KEY_SCOPES) });
export const createdApiKeyOutput = apiKey.extend({ key: z.string().describe('The key itself: shown in this response only.') });
export const apiKeyListOutput = z.object({
  data: z.array(apiKey.extend({ createdAt: isoTime, lastUsedAt: nullableTime, revokedAt: nullableTime })),
});
export const revokedOutput = z.object({ id: z.string(), revoked: z.literal(true) });

export const projectOutput = z.object({
  id: z.string(),
  name: z.string(),
  uid: z.string().nullable().describe("The platform's own id for this consumer; null: none."),
  createdAt: isoTime,
});
export const projectListOutput = z.object({ data: z.array(projectOutput) });
export const portalSessionOutput = z.object({
  id: z.string(),
  projectId: z.string().describe('The consumer (project) the session is bound to.'),
  permissions: z.enum(['read', 'manage']),
  expiresAt: isoTime,
  url: z.string().describe('One-time link: its first load exchanges the token for an HttpOnly session cookie.'),
});
export const frameAncestorsOutput = z.object({
  origins: z.array(z.string()).describe('Origins allowed to embed the portal, besides its own.'),
});
export const revokedSessionsOutput = z.object({ projectId: z.string(), revoked: z.number().int().describe('Live sessions revoked.') });
export const deletedOutput = z.object({ id: z.string(), deleted: z.literal(true) });

export const eventTypeOutput = z.object({
  name: z.string(),
  description: z.string(),
  schema: z.record(z.string(), z.unknown()).nullable().describe('JSON Schema enforced on publish, or null.'),
  archived: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const eventTypeListOutput = z.object({ data: z.array(eventTypeOutput) });
export const importOutput = z.object({ added: z.number().int(), skipped: z.number().int(), names: z.array(z.string()) });
export const catalogsOutput = z.array(
  z.object({
    id: z.enum(SEED_CATALOGS.map((c) => c.id)),
    title: z.string(),
    eventTypes: z.number().int().describe('How many event types it holds.'),
  }),
);

export const webhookSecretOutput = z.object({
  secret: z.string(),
  /** The newest previous secret still signing (also first in `previousSecrets`). */
  previousSecret: z.string().nullable(),
  previousSecretExpiresAt: nullableTime,
  previousSecrets: z
    .array(z.object({ secret: z.string(), expiresAt: isoTime }))
    .describe('Every previous secret still signing next to the current one, newest first (at most 5)'),
});
export const rotatedSecretOutput = z.object({ secret: z.string(), previousSecretExpiresAt: isoTime });
export const filterPreviewOutput = z.object({
  matches: z.boolean().describe('Whether the filter passes the sample: the webhook would receive it (when subscribed to its type).'),
  filter: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The filter tried; null: the webhook has none, so every subscribed event passes.'),
});

export const transformationPreviewOutput = z.object({
  version: z.number().int().nullable().describe("The webhook's transformation version that ran; null for a given transformation."),
  event: z.string().describe('The sample event as the transformation got it (the body Herald sends without one).'),
  result: z
    .union([
      z.object({
        kind: z.literal('ok'),
        body: z.string().describe('The body that would be signed and sent.'),
        headers: z.record(z.string(), z.string()).optional().describe('Headers it adds (names lower-cased).'),
        method: z.enum(['POST', 'PUT', 'PATCH']).optional(),
        url: z.string().optional(),
      }),
      z.object({ kind: z.literal('cancel') }).describe('The delivery would be cancelled.'),
      z.object({ kind: z.literal('error'), message: z.string() }).describe('The attempt would end with a `transform` error.'),
    ])
    .describe('What the attempt would do.'),
});

export const testPingOutput = z.object({ deliveryId: z.string(), eventId: z.string() });

export const eventOutput = z.object({
  id: z.string(),
  type: z.string(),
  projectId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable().describe('The payload as published; null once erased.'),
  createdAt: isoTime,
  dispatchedAt: nullableTime,
  payloadErasedAt: nullableTime.describe('When events.erasePayload erased the payload; null while it is kept.'),
  orderingKey: z.string().nullable().describe("The publish's ordering key; null: none."),
});
export const erasedEventOutput = eventOutput.extend({
  cancelledDeliveries: z.number().int().describe('Running deliveries of the event signalled to cancel.'),
});
export const publishedEventOutput = eventOutput.extend({
  duplicate: z.boolean().describe('True when this id was published before; nothing is sent twice.'),
});
const nextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.');
export const eventListOutput = z.object({ data: z.array(eventOutput), nextCursor });

export const deliveryOutput = z.object({
  id: z.string().describe('The delivery workflow id: `delivery:<eventId>:<webhookId>`.'),
  eventId: z.string(),
  webhookId: z.string(),
  eventType: z.string(),
  status: z.string().describe(`One of ${STATUSES.join(', ')}.`),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: nullableTime,
  nextAttemptAt: nullableTime,
  createdAt: isoTime,
  updatedAt: isoTime,
  orderingKey: z
    .string()
    .nullable()
    .describe("A fifo webhook's delivery: the event's ordering key; null: the default sequence, or not ordered."),
  sequence: z
    .number()
    .int()
    .nullable()
    .describe("A fifo webhook's delivery: its number in the (webhook, ordering key) sequence; null: not ordered."),
  position: z
    .number()
    .int()
    .nullable()
    .describe('An unfinished fifo delivery: how many unfinished ones of its sequence come before it (0: the head); null otherwise.'),
});
export const deliveryListOutput = z.object({ data: z.array(deliveryOutput), nextCursor });

const attemptRecord = z.object({
  id: z.string(),
  attempt: z.number().int(),
  webhookId: z.string(),
  address: z.string(),
  createdAt: isoTime,
  durationMs: z.number(),
  responseStatusCode: z.number().int().nullable(),
  responseHeaders: z.record(z.string(), z.string()),
  responseBody: z.string(),
  error: z
    .object({
      kind: z.enum(['dns', 'connect', 'tls', 'timeout', 'reset', 'blocked', 'invalid', 'transform', 'auth', 'other']),
      message: z.string(),
    })
    .nullable(),
  maxAttempts: z.number().int().nullable(),
  nextAttemptAt: nullableTime,
  transformationVersion: z
    .number()
    .int()
    .optional()
    .describe("The webhook's transformation version that built this request; absent: none ran."),
  auth: z
    .enum(['basic', 'bearer', 'oauth2_client_credentials', 'mtls'])
    .optional()
    .describe('The receiver-auth kind this attempt authenticated with (never the credential); absent: none.'),
  requestHeaders: z
    .record(z.string(), z.string())
    .optional()
    .describe('The headers sent, signatures and custom values masked; in records read from PostgreSQL (a finished delivery).'),
});
export const deliveryDetailOutput = deliveryOutput.extend({
  reason: z.string().nullable(),
  attemptRecords: z.array(attemptRecord),
  attemptsFrom: z.enum(['workflow', 'postgres']).describe("'workflow' while it runs, else 'postgres'."),
});
export const signalledOutput = z.object({ id: z.string(), signalled: z.literal(true) });
export const replayedOutput = z.object({ id: z.string(), replayed: z.literal(true) });
/** A recovery's progress (services/recovery-status.ts): `deliveries.recoveryStatus`. */
export const recoveryStatusOutput = z.object({
  recoveryId: z.string().describe('The recovery workflow id, `recover:<teamId>:<webhookId>`.'),
  webhookId: z.string(),
  since: isoTime,
  matched: z.number().int().describe('Deliveries matching when the recovery was started (at most 10,000): what it is to replay.'),
  replayed: z.number().int().describe('Deliveries given a new run so far.'),
  skipped: z.number().int().describe('Deliveries found running again (replayed meanwhile) and left alone.'),
  state: z.enum(['running', 'done', 'failed', 'cancelled', 'terminated']),
  done: z.boolean(),
});
/** `deliveries.recover` and `webhooks.enable`'s `recovered`: the recovery, started or already running. */
export const recoverOutput = recoveryStatusOutput.extend({
  workflowId: z.string().describe('The same as recoveryId.'),
  started: z.boolean().describe('False when a recovery of this webhook was already running: that one is answered, nothing new started.'),
});
