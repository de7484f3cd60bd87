import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/rest/openapi-document.js';
import { procedurePaths } from '../../src/api/rest/procedure-input.js';

/**
 * Generated from the document: every tRPC procedure has a REST operation, and every operation
 * documents a success response with a real schema and the errors it can give. A procedure
 * added without a route in src/api/rest/rest-routes.ts fails here.
 */
type Operation = {
  'x-trpc-procedure': string;
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }>; $ref?: string }>;
};
const doc = openApiDocument();
const operations: [string, Operation][] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, Operation>).map(
    ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
  ),
);
const byProcedure = new Map(operations.map(([name, op]) => [op['x-trpc-procedure'], name]));

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document by a maintained validator', async () => {
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((api as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it.each(procedurePaths())('gives tRPC procedure %s a REST route', (procedure) => {
    expect(byProcedure.get(procedure), `no REST route for ${procedure}: add one to src/api/rest/rest-routes.ts`).toBeDefined();
  });

  it.each(operations)('%s declares every parameter of its path', (name, op) => {
    const declared = ((op as unknown as { parameters: { name: string; in: string }[] }).parameters ?? [])
      .filter((p) => p.in === 'path')
      .map((p) => p.name);
    const inPath = [...name.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    expect(declared.sort()).toEqual(inPath.sort());
  });

  it('maps each procedure to one route only', () => {
    expect(byProcedure.size).toBe(operations.length);
  });

  it.each(operations)('%s documents a success response with a schema and its error responses', (_name, op) => {
    const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
    expect(success).toHaveLength(1);
    const schema = success[0]![1].content?.['application/json']?.schema;
    expect(schema, 'success response has no JSON schema').toBeDefined();
    expect(Object.keys(schema!).length).toBeGreaterThan(0);
    const errors = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
    expect(errors.length).toBeGreaterThan(0);
    for (const s of errors) expect(op.responses[s]!.$ref).toBe(`#/components/responses/E${s}`);
  });

  it('refuses properties a response does not document (so an undocumented field fails the contract test)', () => {
    const get = (doc.paths['/v1/webhooks/{id}'] as unknown as Record<string, Operation>).get!;
    expect(get.responses['200']!.content!['application/json']!.schema!.additionalProperties).toBe(false);
  });
});
