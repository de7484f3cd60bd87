import { Ajv2020 } from 'ajv/dist/2020.js';
import { openApiDocument } from '../../src/api/rest/openapi-document.js';

/**
 * A REST client for contract tests: calls an operation of the OpenAPI document over real HTTP
 * (fetch), and checks the answer against the document: its status must be one the operation
 * documents, and its body must match that response's schema (no undocumented properties).
 */
type Schema = Record<string, unknown>;
type Operation = { responses: Record<string, { content?: { 'application/json'?: { schema: Schema } }; $ref?: string }> };

const doc = openApiDocument();
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const errorValidator = ajv.compile(doc.components.schemas.Error);
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

export interface RestAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Sent as is instead of `body` (exact bytes matter for event data). */
  rawBody?: string;
  key?: string;
}

export function restClient(baseUrl: string) {
  /** Operations (`GET /v1/webhooks/{id}`) that answered with their documented success status. */
  const succeeded = new Set<string>();

  async function call<T = any>(method: string, template: string, opts: CallOptions = {}): Promise<RestAnswer<T>> {
    const op = (doc.paths as Record<string, Record<string, Operation>>)[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template} is not in the OpenAPI document`);
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(opts.params?.[name] ?? ''));
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.append(k, v);
    const headers: Record<string, string> = {};
    if (opts.key) headers['x-api-key'] = opts.key;
    const text = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    if (text !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: text });
    const body = (await res.json()) as T;
    const documented = op.responses[String(res.status)];
    if (!documented)
      throw new Error(`${method} ${template} answered ${res.status}, which the document does not list: ${JSON.stringify(body)}`);
    const schema = documented.content?.['application/json']?.schema;
    const validate = schema ? validatorFor(`${method} ${template} ${res.status}`, schema) : errorValidator;
    if (!validate(body))
      throw new Error(
        `${method} ${template} ${res.status}: body does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
      );
    if (/^2/.test(String(res.status))) succeeded.add(`${method.toUpperCase()} ${template}`);
    return { status: res.status, body, headers: res.headers };
  }

  function validatorFor(id: string, schema: Schema) {
    let v = validators.get(id);
    if (!v) validators.set(id, (v = ajv.compile(schema)));
    return v;
  }

  /** Every operation of the document, as `GET /v1/webhooks/{id}`. */
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));

  return { call, succeeded, operations };
}
