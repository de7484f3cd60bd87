import { inputJsonSchema, type JsonSchema, toJsonSchema } from './procedure-input.js';
import { REST_ROUTES, type RestRoute } from './rest-routes.js';

/**
 * The OpenAPI 3.1 document of the REST surface, generated from the route table and the tRPC
 * procedures' own zod schemas (z.toJSONSchema: inputs as a client sends them, outputs as the
 * API answers, with no properties beyond the documented ones). Built once per process.
 */

/** Stable error codes (tRPC's) and their HTTP statuses; the REST and tRPC paths share them. */
export const ERROR_STATUSES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: the message names the field and the rule (`url: only port 443 is allowed`).',
  401: 'Missing, unknown or revoked API key.',
  403: "The API key's scope does not allow this call.",
  404: "No such object (or another team's: the same answer on purpose).",
  409: 'Conflict with the current state (active-webhook limit, a delivery not running, a duplicate name).',
  413: 'Request body over 1 MiB, or event data over 256 KiB.',
  429: 'Rate limit of the API key, or too many failed authentications from this address.',
  503: 'PostgreSQL or Temporal unreachable or too slow: retry the call (a publish: with the `eventId` of the answer).',
};

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'httpStatus', 'issues'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_STATUSES), description: 'Stable error code (the same as tRPC `error.data.code`).' },
        message: { type: 'string', description: 'What was wrong, naming the field and the rule.' },
        httpStatus: { type: 'integer' },
        issues: { type: ['array', 'null'], items: { type: 'object' }, description: 'The zod issues of a validation error, else null.' },
        eventId: {
          type: 'string',
          description:
            'On a 503 of `POST /v1/events` only: the id of the stored event, generated or yours. It is delivered once under this id; publish again with it (safe, idempotent) to confirm.',
        },
      },
    },
  },
};

const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
export const takesBody = (r: Pick<RestRoute, 'method'>) => r.method === 'POST' || r.method === 'PATCH';

/** The input schema minus the path's own parameters (what goes in the query or the body). */
export function restInputSchema(r: RestRoute): JsonSchema | undefined {
  const input = inputJsonSchema(r.procedure);
  if (!input) return undefined;
  const strip = (s: JsonSchema): JsonSchema => {
    if (!s.properties) return s;
    const properties = Object.fromEntries(Object.entries(s.properties).filter(([k]) => !pathParams(r.path).includes(k)));
    const required = (s.required ?? []).filter((k) => !pathParams(r.path).includes(k));
    const { default: _default, ...rest } = s;
    return { ...rest, properties, ...(required.length ? { required } : { required: undefined }) };
  };
  const schema = input.anyOf ? { ...input, anyOf: input.anyOf.map(strip) } : strip(input);
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

function errorStatuses(r: RestRoute): number[] {
  if (r.procedure === 'health.check') return [503];
  const statuses = [400, 401, 403, 429, 503];
  if (pathParams(r.path).length || r.method !== 'GET') statuses.push(404);
  if (r.method !== 'GET') statuses.push(409);
  if (takesBody(r)) statuses.push(413);
  return statuses.sort();
}

function operation(r: RestRoute) {
  const input = inputJsonSchema(r.procedure);
  const params = pathParams(r.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: input?.properties?.[name] ?? { type: 'string' },
  }));
  const rest = restInputSchema(r);
  const query =
    !takesBody(r) && rest?.properties
      ? Object.entries(rest.properties).map(([name, schema]) => ({
          name,
          in: 'query',
          required: (rest.required ?? []).includes(name),
          schema,
          ...(schema.description ? { description: schema.description } : {}),
        }))
      : [];
  const hasBody = takesBody(r) && rest && (rest.anyOf || Object.keys(rest.properties ?? {}).length);
  const paging =
    r.paging === 'page'
      ? ' Pages by `page` and `pageSize`; the answer has `pagination.currentPage`, `pagesTotal` and `itemsTotal`.'
      : r.paging === 'cursor'
        ? " Pages by cursor: pass the answer's `nextCursor` as `cursor` (null on the last page)."
        : '';
  const responses: Record<string, unknown> = {
    [r.status]: { description: 'OK', content: { 'application/json': { schema: toJsonSchema(r.output, 'output') } } },
  };
  for (const s of errorStatuses(r)) responses[s] = { $ref: `#/components/responses/E${s}` };
  return {
    operationId: r.procedure.replace('.', '_'),
    summary: r.summary,
    description: `The tRPC procedure \`${r.procedure}\` over REST: the same rules, the same errors.${paging}`,
    tags: [r.tag],
    'x-trpc-procedure': r.procedure,
    ...(r.procedure === 'health.check' ? { security: [] } : {}),
    parameters: [...params, ...query],
    ...(hasBody ? { requestBody: { required: true, content: { 'application/json': { schema: rest } } } } : {}),
    responses,
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of REST_ROUTES) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  const responses = Object.fromEntries(
    Object.entries(ERROR_TEXT).map(([status, description]) => [
      `E${status}`,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald API',
      version: '1',
      description:
        'Herald, a self-hosted webhook delivery engine. Every REST operation is a tRPC procedure (`x-trpc-procedure`) with the same rules and errors. ' +
        'Authenticate with `X-API-KEY: <key>` or `Authorization: Bearer <key>`. Validation errors are 400 (as in tRPC), naming the field and the rule.',
    },
    tags: [...new Set(REST_ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    security: [{ apiKey: [] }, { bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: { Error: errorSchema },
      responses,
    },
  };
}

let cached: ReturnType<typeof buildDocument> | undefined;
export function openApiDocument() {
  return (cached ??= buildDocument());
}
