import type { inferRouterOutputs } from '@trpc/server';
import type { z } from 'zod';
import type { AppRouter } from '../app-router.js';
import * as out from '../output-schemas.js';
import {
  createdWebhookOutputSchema,
  enabledWebhookOutputSchema,
  webhookDetailOutputSchema,
  webhookListOutputSchema,
  webhookOutputSchema,
} from '../webhook-dto.js';

/**
 * The REST surface: one row per tRPC procedure, naming its method, resource path and response
 * schema. Inputs, rules and handlers are the procedure's own (rest-handler.ts calls it through
 * tRPC), so no rule is written twice. A path's `{name}` is the procedure's input field of that
 * name; on GET and DELETE the other fields are query parameters, on POST and PATCH the JSON body.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

type Outputs = inferRouterOutputs<AppRouter>;
export type ProcedurePath = {
  [R in keyof Outputs]: { [P in keyof Outputs[R]]: `${R & string}.${P & string}` }[keyof Outputs[R]];
}[keyof Outputs];
type OutputOf<K extends ProcedurePath> = K extends `${infer R extends keyof Outputs}.${infer P}`
  ? P extends keyof Outputs[R]
    ? Outputs[R][P]
    : never
  : never;

export interface RestRoute {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/webhooks/{id}`. */
  path: string;
  procedure: ProcedurePath;
  summary: string;
  tag: string;
  /** Status of a successful answer. */
  status: 200 | 201;
  output: z.ZodType;
  /** How a list pages, for the document and the README. */
  paging?: 'page' | 'cursor';
}

/** Typed so that `output` must describe what the procedure returns (its inferred type). */
function route<P extends ProcedurePath>(
  method: HttpMethod,
  path: string,
  procedure: P,
  output: z.ZodType<OutputOf<P>>,
  summary: string,
  extra: Partial<Pick<RestRoute, 'status' | 'paging'>> = {},
): RestRoute {
  return { method, path, procedure, output, summary, tag: procedure.split('.')[0]!, status: extra.status ?? 200, paging: extra.paging };
}

export const REST_ROUTES: readonly RestRoute[] = [
  route('GET', '/v1/health', 'health.check', out.healthOutput, 'Reachability of PostgreSQL and Temporal (no API key needed)'),

  route('POST', '/v1/api-keys', 'apiKeys.create', out.createdApiKeyOutput, 'Create an API key (shown once)', { status: 201 }),
  route('GET', '/v1/api-keys', 'apiKeys.list', out.apiKeyListOutput, 'List API keys'),
  route('POST', '/v1/api-keys/{id}/revoke', 'apiKeys.revoke', out.revokedOutput, 'Revoke an API key'),

  route('POST', '/v1/projects', 'projects.create', out.projectOutput, 'Create a project', { status: 201 }),
  route('GET', '/v1/projects', 'projects.list', out.projectListOutput, 'List projects'),
  route('POST', '/v1/portal/sessions', 'portal.createSession', out.portalSessionOutput, 'Create a consumer-portal session link', {
    status: 201,
  }),
  route(
    'POST',
    '/v1/portal/frame-ancestors',
    'portal.setFrameAncestors',
    out.frameAncestorsOutput,
    'Set the origins allowed to embed the portal',
  ),
  route('POST', '/v1/portal/sessions/revoke', 'portal.revokeSessions', out.revokedSessionsOutput, "Revoke a consumer's portal sessions"),
  route('GET', '/v1/projects/{id}', 'projects.get', out.projectOutput, 'Get a project (a consumer)'),
  route('PATCH', '/v1/projects/{id}', 'projects.update', out.projectOutput, 'Update a project: its name or uid'),
  route('DELETE', '/v1/projects/{id}', 'projects.delete', out.deletedOutput, 'Delete a project (refused while webhooks use it)'),

  route('POST', '/v1/event-types', 'eventTypes.create', out.eventTypeOutput, 'Create an event type', { status: 201 }),
  route('GET', '/v1/event-types', 'eventTypes.list', out.eventTypeListOutput, 'List event types'),
  route('PATCH', '/v1/event-types/{name}', 'eventTypes.update', out.eventTypeOutput, 'Update an event type'),
  route(
    'POST',
    '/v1/event-types/{name}/archive',
    'eventTypes.archive',
    out.eventTypeOutput,
    'Archive (or with `archived: false` restore) an event type',
  ),
  route('POST', '/v1/event-types/import', 'eventTypes.import', out.importOutput, 'Import event types from a list or a seed catalog'),
  route('GET', '/v1/event-types/catalogs', 'eventTypes.catalogs', out.catalogsOutput, 'List the seed catalogs'),

  route('POST', '/v1/webhooks', 'webhooks.create', createdWebhookOutputSchema, 'Create a webhook (returns its signing secret)', {
    status: 201,
  }),
  route('GET', '/v1/webhooks', 'webhooks.list', webhookListOutputSchema, 'List webhooks', { paging: 'page' }),
  route('GET', '/v1/webhooks/{id}', 'webhooks.get', webhookDetailOutputSchema, 'Get a webhook with its queue figures'),
  route('PATCH', '/v1/webhooks/{id}', 'webhooks.update', webhookOutputSchema, 'Update a webhook (partial)'),
  route(
    'POST',
    '/v1/webhooks/{id}/enable',
    'webhooks.enable',
    enabledWebhookOutputSchema,
    'Re-enable a disabled webhook, optionally replaying what failed (`recover`: none, disabled, failing)',
  ),
  route('DELETE', '/v1/webhooks/{id}', 'webhooks.delete', out.deletedOutput, 'Delete a webhook (its running deliveries are cancelled)'),
  route('GET', '/v1/webhooks/{id}/secret', 'webhooks.getSecret', out.webhookSecretOutput, "Read a webhook's signing secret"),
  route(
    'POST',
    '/v1/webhooks/{id}/rotate-secret',
    'webhooks.rotateSecret',
    out.rotatedSecretOutput,
    'Rotate the signing secret (the old one keeps signing for the grace period)',
  ),
  route(
    'POST',
    '/v1/webhooks/filter-preview',
    'webhooks.previewFilter',
    out.filterPreviewOutput,
    "Dry-run a filter (given, or a webhook's) on a sample event; nothing is sent",
  ),
  route(
    'POST',
    '/v1/webhooks/transformation-preview',
    'webhooks.previewTransformation',
    out.transformationPreviewOutput,
    "Dry-run a transformation (given, or a webhook's) on a sample event; nothing is sent",
  ),
  route('POST', '/v1/webhooks/{id}/test', 'webhooks.test', out.testPingOutput, 'Send a webhook.test ping to this webhook'),
  route(
    'POST',
    '/v1/webhooks/{webhookId}/recover',
    'deliveries.recover',
    out.recoverOutput,
    'Start replaying every failed delivery of a webhook since a time (a recovery workflow; answers at once)',
  ),
  route('GET', '/v1/recoveries/{id}', 'deliveries.recoveryStatus', out.recoveryStatusOutput, "A recovery's progress"),

  route('POST', '/v1/events', 'events.publish', out.publishedEventOutput, 'Publish an event (idempotent on id)'),
  route('GET', '/v1/events', 'events.list', out.eventListOutput, 'List events, newest first', { paging: 'cursor' }),
  route('GET', '/v1/events/{id}', 'events.get', out.eventOutput, 'Get an event'),
  route(
    'DELETE',
    '/v1/events/{id}/payload',
    'events.erasePayload',
    out.erasedEventOutput,
    "Erase an event's payload (its running deliveries are cancelled; replays are refused)",
  ),

  route('GET', '/v1/deliveries', 'deliveries.list', out.deliveryListOutput, 'List deliveries, newest first', { paging: 'cursor' }),
  route('GET', '/v1/deliveries/{id}', 'deliveries.get', out.deliveryDetailOutput, 'Get a delivery with every attempt'),
  route('POST', '/v1/deliveries/{id}/cancel', 'deliveries.cancel', out.signalledOutput, 'Cancel a running delivery'),
  route('POST', '/v1/deliveries/{id}/retry', 'deliveries.retryNow', out.signalledOutput, 'Retry a waiting delivery now'),
  route(
    'POST',
    '/v1/deliveries/{id}/replay',
    'deliveries.replay',
    out.replayedOutput,
    'Replay a finished delivery (a new run under the same id)',
  ),
];
