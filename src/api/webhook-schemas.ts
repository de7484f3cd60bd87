import { z } from 'zod';
import { EVENT_TYPE_NAME, EVENT_TYPE_PATTERN } from '../delivery/event-type-patterns.js';
import { MAX_GRACE_PERIOD_SECONDS } from '../delivery/previous-secrets.js';
import { FilterError, compileFilter } from '../delivery/webhook-filter.js';
import { checkTransformSource, TRANSFORM_LIMITS, transformEngine } from '../delivery/transform-sandbox.js';
import { PROXY_URL } from '../security/egress-proxy.js';
import { inspectMtls, ReceiverAuthError } from '../security/receiver-auth.js';
import { freeText, idText, nameText, textRule } from './text-fields.js';

/** Header names that Herald owns or that would corrupt the request. Lower-case. */
export const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'content-type',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'proxy-authorization',
  'proxy-connection',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
// Visible ASCII, space and tab only: no CR/LF (header injection) and no NUL.
const HEADER_VALUE = /^[\t\x20-\x7e]{0,1024}$/;

export const headersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 custom headers' });
  for (const name of names) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'invalid header name' });
    else if (RESERVED_HEADERS.has(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'header is reserved and cannot be set' });
    if (!HEADER_VALUE.test(headers[name] ?? ''))
      ctx.addIssue({ code: 'custom', path: [name], message: 'header value must be printable ASCII, at most 1024 characters' });
  }
});

export const retryPolicySchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('window'),
      windowMinutes: z.number().int('must be an integer').min(0, 'must be 0–1440').max(1440, 'must be 0–1440'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('attempts'),
      maxAttempts: z.number().int('must be an integer').min(1, 'must be 1–50').max(50, 'must be 1–50'),
      intervalSeconds: z.number().int('must be an integer').min(1, 'must be 1–86400').max(86_400, 'must be 1–86400'),
      backoff: z.enum(['fixed', 'exponential']).default('fixed'),
    })
    .strict(),
]);

export const eventTypeListSchema = z
  .array(z.string().refine((s) => EVENT_TYPE_NAME.test(s) || EVENT_TYPE_PATTERN.test(s), 'must be an event type name, `*` or `prefix.*`'))
  .min(1, 'must list 1 or more event types')
  .max(500, 'at most 500 event types')
  .transform((a) => [...new Set(a)]);

/** A webhook filter (delivery/webhook-filter.ts), checked by compiling it: the error names the filter's path and rule. */
export const webhookFilterSchema = z
  .record(z.string(), z.unknown())
  .superRefine((filter, ctx) => {
    try {
      compileFilter(filter);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      ctx.addIssue({ code: 'custom', path: e.issue.path ? e.issue.path.split('.') : [], message: e.issue.message });
    }
  })
  .describe(
    'Which subscribed events this webhook receives: paths over { type, data } (e.g. "data.amount") with $eq $ne $in $nin $gt $gte $lt $lte $exists, and $and $or $not; null: every subscribed event. See docs/filters.md.',
  );

/** A transformation's source (delivery/transform-sandbox.ts), checked by compiling it in the sandbox. */
export const transformationSchema = z
  .string()
  .max(TRANSFORM_LIMITS.sourceChars, `must be at most ${TRANSFORM_LIMITS.sourceChars} characters`)
  .superRefine(async (source, ctx) => {
    const problem = checkTransformSource(await transformEngine(), source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    'A JavaScript function (event) => ({ body?, headers?, method?, url?, cancel? }) run before every attempt in a sandbox (50 ms, 16 MiB, no host access; the clock fixed); its body is what is signed and sent. null: the event as it is. See docs/transformations.md.',
  );

// Visible ASCII only: these values go into a header (Authorization) as they are.
const HEADER_TOKEN = /^[\x21-\x7e]+$/;
const secretText = (max: number) => z.string().min(1, `is required (1–${max} characters)`).max(max, `must be at most ${max} characters`);
const pem = (max: number) => z.string().min(1, 'is required (PEM)').max(max, `must be at most ${max} characters`);

/**
 * Receiver authentication (security/receiver-auth.ts): write-only, never answered back (the API
 * shows the kind, its non-secret fields and a fingerprint). The mTLS pair is checked here (key
 * matches certificate, not expired, bundle parses); the token URL's address rules in the router.
 */
export const receiverAuthSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('basic'),
        username: secretText(256).refine((v) => /^[^:\x00-\x1f\x7f]+$/.test(v), 'must not contain ":" or control characters'),
        password: secretText(1024).refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('bearer'),
        token: secretText(4096).refine((v) => HEADER_TOKEN.test(v), 'must be visible ASCII without spaces'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('oauth2_client_credentials'),
        tokenUrl: z.string().min(1, 'is required (1–4096 characters)').max(4096, 'must be at most 4096 characters'),
        clientId: secretText(256),
        clientSecret: secretText(1024),
        scope: z.string().max(1024, 'must be at most 1024 characters').nullable().default(null),
        audience: z.string().max(1024, 'must be at most 1024 characters').nullable().default(null),
        clientAuthMethod: z
          .enum(['client_secret_basic', 'client_secret_post'], 'must be client_secret_basic or client_secret_post')
          .default('client_secret_basic'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('mtls'),
        cert: pem(65_536),
        key: pem(65_536),
        ca: pem(262_144).nullable().default(null),
      })
      .strict()
      .superRefine((v, ctx) => {
        try {
          inspectMtls(v.cert, v.key, v.ca, Date.now());
        } catch (e) {
          if (!(e instanceof ReceiverAuthError)) throw e;
          ctx.addIssue({ code: 'custom', path: [e.field], message: e.message });
        }
      }),
  ])
  .describe(
    'How Herald authenticates to the receiver besides the signature: basic, bearer, oauth2_client_credentials or mtls (docs/receiver-auth.md). Write-only; null: none.',
  );

/** A webhook's own egress: 'direct' (no proxy) or a forward proxy URL; null: the deployment's HERALD_EGRESS_PROXY. */
export const egressProxySchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => v === 'direct' || PROXY_URL.test(v), "must be 'direct' or http(s)://[user:password@]host[:port]")
  .describe(
    "This webhook's egress: 'direct' (no proxy, whatever the deployment's) or its own forward proxy (CONNECT); null: the deployment's HERALD_EGRESS_PROXY. Write-only credentials.",
  );

const webhookFields = {
  name: nameText(47),
  description: freeText(255).nullable(),
  url: z.string().min(1, 'is required (1–4096 characters)').max(4096, 'must be at most 4096 characters').superRefine(textRule('name')),
  httpMethod: z.enum(['POST', 'PUT', 'PATCH'], 'must be POST, PUT or PATCH'),
  headers: headersSchema,
  eventTypes: eventTypeListSchema,
  active: z.boolean(),
  rateLimitPerSecond: z.number().int('must be an integer').min(1, 'must be 1–1000').max(1000, 'must be 1–1000'),
  // Attempts in flight at once across all workers; null: the deployment's HERALD_WEBHOOK_MAX_IN_FLIGHT.
  maxInFlight: z.number().int('must be an integer').min(1, 'must be 1–50').max(50, 'must be 1–50').nullable(),
  retryPolicy: retryPolicySchema,
  projectId: idText(64).nullable(),
  filter: webhookFilterSchema.nullable(),
  transformation: transformationSchema.nullable(),
  auth: receiverAuthSchema.nullable(),
  egressProxy: egressProxySchema.nullable(),
  ordering: z
    .enum(['none', 'fifo'], "must be 'none' or 'fifo'")
    .describe(
      "'fifo': one delivery at a time per ordering key, in the order Herald accepted the events; 'none': each on its own (docs/ordered-delivery.md).",
    ),
  blockOnFailure: z
    .boolean('must be true or false')
    .describe(
      'fifo only. true: the next event waits until the one before it succeeds, fails (exhausted) or is cancelled; false: only for its first attempt.',
    ),
};

export const webhookIdSchema = z.object({ id: idText(64) });

const GRACE_RULE = `must be an integer from 0 to ${MAX_GRACE_PERIOD_SECONDS} (30 days)`;
/** `webhooks.rotateSecret`: how long the outgoing secret keeps signing; default HERALD_SECRET_ROTATION_GRACE_HOURS. */
export const rotateSecretSchema = webhookIdSchema.extend({
  gracePeriodSeconds: z
    .number(GRACE_RULE)
    .int(GRACE_RULE)
    .min(0, GRACE_RULE)
    .max(MAX_GRACE_PERIOD_SECONDS, GRACE_RULE)
    .optional()
    .describe('Seconds the outgoing secret keeps signing next to the new one (0: stops at once); default 24 h'),
});

export const createWebhookSchema = z.object({
  name: webhookFields.name,
  description: webhookFields.description.optional(),
  url: webhookFields.url,
  httpMethod: webhookFields.httpMethod.default('POST'),
  headers: webhookFields.headers.default({}),
  eventTypes: webhookFields.eventTypes,
  active: webhookFields.active.default(true),
  rateLimitPerSecond: webhookFields.rateLimitPerSecond.default(10),
  maxInFlight: webhookFields.maxInFlight.optional(),
  retryPolicy: webhookFields.retryPolicy.optional(),
  projectId: webhookFields.projectId.optional(),
  filter: webhookFields.filter.optional(),
  transformation: webhookFields.transformation.optional(),
  auth: webhookFields.auth.optional(),
  egressProxy: webhookFields.egressProxy.optional(),
  ordering: webhookFields.ordering.default('none'),
  blockOnFailure: webhookFields.blockOnFailure.default(true),
});

export const updateWebhookSchema = z.object({
  id: webhookIdSchema.shape.id,
  name: webhookFields.name.optional(),
  description: webhookFields.description.optional(),
  url: webhookFields.url.optional(),
  httpMethod: webhookFields.httpMethod.optional(),
  headers: webhookFields.headers.optional(),
  eventTypes: webhookFields.eventTypes.optional(),
  active: webhookFields.active.optional(),
  rateLimitPerSecond: webhookFields.rateLimitPerSecond.optional(),
  maxInFlight: webhookFields.maxInFlight.optional(),
  retryPolicy: webhookFields.retryPolicy.optional(),
  projectId: webhookFields.projectId.optional(),
  /** null removes the filter. */
  filter: webhookFields.filter.optional(),
  /** null removes the transformation; every change raises its version. */
  transformation: webhookFields.transformation.optional(),
  /** null removes it; credentials apply from the next attempt. */
  auth: webhookFields.auth.optional(),
  /** null: back to the deployment's proxy. */
  egressProxy: webhookFields.egressProxy.optional(),
  /** Applies to events accepted from now on; deliveries already numbered keep their order. */
  ordering: webhookFields.ordering.optional(),
  blockOnFailure: webhookFields.blockOnFailure.optional(),
});

/** webhooks.previewTransformation: a dry run of a transformation (given, or a webhook's) on a sample event; nothing is sent. */
export const previewTransformationSchema = z
  .object({
    id: idText(64).optional().describe('A webhook whose stored transformation is run; or give `transformation`.'),
    transformation: transformationSchema.optional(),
    type: idText(128).describe('The sample event type.'),
    data: z.record(z.string(), z.unknown()).describe('The sample event data.'),
  })
  .refine((v) => (v.id === undefined) !== (v.transformation === undefined), {
    message: 'give exactly one of id or transformation',
    path: ['transformation'],
  });

/** webhooks.previewFilter: a dry run of a filter (given, or a webhook's stored one) on a sample event; nothing is sent. */
export const previewFilterSchema = z
  .object({
    id: idText(64).optional().describe('A webhook whose stored filter is tried; or give `filter`.'),
    filter: webhookFilterSchema.optional(),
    type: idText(128).describe('The sample event type.'),
    data: z.record(z.string(), z.unknown()).describe('The sample event data.'),
  })
  .refine((v) => (v.id === undefined) !== (v.filter === undefined), { message: 'give exactly one of id or filter', path: ['filter'] });

/** webhooks.enable: `recover` replays what failed since the webhook was disabled or since it began failing. */
export const enableWebhookSchema = z.object({
  id: webhookIdSchema.shape.id,
  recover: z.enum(['none', 'disabled', 'failing'], 'must be none, disabled or failing').default('none'),
});

export const listWebhooksSchema = z
  .object({
    page: z.number().int('must be an integer').min(1, 'must be 1 or more').default(1),
    pageSize: z.number().int('must be an integer').min(1, 'must be 1–100').max(100, 'must be 1–100').default(25),
    eventType: idText(128, 0).optional(),
    projectId: idText(64, 0).optional(),
    active: z.boolean().optional(),
  })
  .default({ page: 1, pageSize: 25 });

export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;
