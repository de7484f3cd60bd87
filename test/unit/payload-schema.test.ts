import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compiledSchemaCount, compileSchema, MAX_COMPILED_SCHEMAS, validatePayload } from '../../src/delivery/payload-schema.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe('tenant schemas compile in isolation', () => {
  it("resolves a $ref to another schema's $id to nothing, so nothing of that schema is disclosed", () => {
    const a = compileSchema({ $id: 'https://team-a.example/order', type: 'object', required: ['teamAInternalField'] });
    expect(a.ok).toBe(true);
    const b = compileSchema({ $ref: 'https://team-a.example/order' });
    expect(b).toEqual({ ok: false, message: expect.stringContaining("can't resolve reference https://team-a.example/order") });
    expect(validatePayload({ $ref: 'https://team-a.example/order' }, {})).toMatchObject({ kind: 'invalid', field: 'schema' });
    // Inside one schema, $ref and $id work as JSON Schema says.
    const own = { $id: 'https://b.example/s', definitions: { n: { type: 'integer' } }, properties: { n: { $ref: '#/definitions/n' } } };
    expect(validatePayload(own, { n: 'x' })).toEqual({ kind: 'invalid', field: 'data/n', rule: 'must be integer' });
    expect(validatePayload(own, { n: 1 })).toBeNull();
  });

  it('compiles the same $id from two schemas, and one schema in another key order', () => {
    expect(compileSchema({ $id: 'https://shared.example/id', type: 'object', required: ['a'] }).ok).toBe(true);
    expect(compileSchema({ $id: 'https://shared.example/id', type: 'object', required: ['b'] }).ok).toBe(true);
    expect(compileSchema({ required: ['a'], type: 'object', $id: 'https://shared.example/id' }).ok).toBe(true);
    expect(validatePayload({ type: 'object', $id: 'https://shared.example/id', required: ['b'] }, {})).toEqual({
      kind: 'invalid',
      field: 'data',
      rule: "must have required property 'b'",
    });
  });

  it('still refuses a schema that breaks the meta-schema, with Ajv’s message', () => {
    expect(compileSchema({ type: 'nope' })).toEqual({
      ok: false,
      message: expect.stringMatching(/^schema is invalid: data\/type must be equal to one of the allowed values/),
    });
  });

  it('keeps the live heap bounded over 12,000 distinct schemas (Ajv retains none of them)', () => {
    const schemaNo = (i: number) => ({
      $id: `https://t${i}.example/s`,
      type: 'object',
      properties: { [`f${i}`]: { type: 'string', maxLength: 64 }, n: { type: 'integer' } },
      required: [`f${i}`],
    });
    for (let i = 0; i < 2_000; i++) expect(compileSchema(schemaNo(i)).ok).toBe(true);
    const settled = liveHeap();
    for (let i = 2_000; i < 12_000; i++) expect(compileSchema(schemaNo(i)).ok).toBe(true);
    const grown = (liveHeap() - settled) / 1024 / 1024;
    console.log(`live heap after 10,000 more schemas: ${grown.toFixed(1)} MB more`);
    expect(compiledSchemaCount()).toBeLessThanOrEqual(MAX_COMPILED_SCHEMAS);
    // Before, Ajv kept every compiled schema: ~2.6 KB each, 26 MB for these 10,000.
    expect(grown).toBeLessThan(5);
  }, 120_000);
});
