import { describe, expect, it } from 'vitest';
import { findUnsafePattern } from '../../src/security/schema-patterns.js';

describe('findUnsafePattern', () => {
  it.each(['^(a+)+$', '(a|a)*$', '^(\\w+\\s?)*$', '^([a-zA-Z0-9_.+-])+@(([a-zA-Z0-9-])+\\.)+([a-zA-Z0-9]{2,4})+$'])(
    'flags the ReDoS pattern %s',
    (pattern) => {
      expect(findUnsafePattern({ type: 'string', pattern })?.path).toEqual(['pattern']);
    },
  );

  it('flags a patternProperties key and a nested pattern, naming where they are', () => {
    expect(findUnsafePattern({ type: 'object', patternProperties: { '^(a+)+$': { type: 'string' } } })?.path).toEqual([
      'patternProperties',
      '^(a+)+$',
    ]);
    expect(findUnsafePattern({ type: 'object', properties: { tags: { type: 'array', items: { pattern: '(x|x)*y' } } } })?.path).toEqual([
      'properties',
      'tags',
      'items',
      'pattern',
    ]);
    expect(findUnsafePattern({ propertyNames: { pattern: '^(a+)+$' } })?.path).toEqual(['propertyNames', 'pattern']);
  });

  it('accepts ordinary patterns, named groups included', () => {
    const schema = {
      type: 'object',
      properties: {
        sku: { type: 'string', pattern: '^[A-Z]{2}[0-9]{6}$' },
        date: { type: 'string', pattern: '^(?<y>\\d{4})-(?<m>\\d{2})$' },
        url: { type: 'string', pattern: '^https?://' },
        name: { type: 'string', pattern: '^\\p{L}+$' },
        // A property named `pattern` is a schema, not a regex.
        pattern: { type: 'string' },
      },
      patternProperties: { '^x-[a-z]+$': { type: 'string' } },
    };
    expect(findUnsafePattern(schema)).toBeNull();
  });

  it('ignores `pattern` inside data keywords (const, enum, default, examples)', () => {
    expect(
      findUnsafePattern({
        const: { pattern: '(a+)+' },
        enum: [{ pattern: '(a+)+' }],
        default: { pattern: '(a+)+' },
        examples: [{ pattern: '(a+)+' }],
      }),
    ).toBeNull();
  });

  it.each(['default', 'enum', 'const', 'examples'])('checks a pattern under a property named %s: it is a schema position', (name) => {
    expect(findUnsafePattern({ type: 'object', properties: { [name]: { type: 'string', pattern: '^(a+)+$' } } })?.path).toEqual([
      'properties',
      name,
      'pattern',
    ]);
    expect(findUnsafePattern({ $defs: { [name]: { pattern: '^(a+)+$' } } })?.path).toEqual(['$defs', name, 'pattern']);
    expect(findUnsafePattern({ dependentSchemas: { [name]: { propertyNames: { pattern: '(a|a)*$' } } } })?.path).toEqual([
      'dependentSchemas',
      name,
      'propertyNames',
      'pattern',
    ]);
  });

  it('walks every subschema keyword, lists and draft-07 item lists included', () => {
    const bad = { pattern: '^(a+)+$' };
    expect(findUnsafePattern({ anyOf: [{ type: 'string' }, bad] })?.path).toEqual(['anyOf', 1, 'pattern']);
    expect(findUnsafePattern({ items: [{}, bad] })?.path).toEqual(['items', 1, 'pattern']);
    // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword under test, not a thenable
    expect(findUnsafePattern({ if: {}, then: { not: bad } })?.path).toEqual(['then', 'not', 'pattern']);
    expect(findUnsafePattern({ definitions: { a: { additionalProperties: bad } } })?.path).toEqual([
      'definitions',
      'a',
      'additionalProperties',
      'pattern',
    ]);
  });

  it('refuses a $ref whose JSON pointer leads into data (Ajv would compile it as a schema), and accepts one into a schema position', () => {
    const smuggled = { examples: [{ pattern: '^(a+)+$' }], properties: { s: { $ref: '#/examples/0' } } };
    expect(findUnsafePattern(smuggled)).toEqual({
      path: ['properties', 's', '$ref'],
      reason: 'must point at a schema position; "examples" holds data, not a schema',
    });
    expect(findUnsafePattern({ $ref: 'other#/properties/a/default' })?.path).toEqual(['$ref']);
    expect(
      findUnsafePattern({
        $defs: { a: { type: 'string' } },
        items: [{ $ref: '#/$defs/a' }, { $ref: '#/items/0' }],
        properties: { b: { $ref: '#/properties/c~1d' } },
      }),
    ).toBeNull();
    expect(findUnsafePattern({ $ref: '#' })).toBeNull();
  });

  it('refuses once the time budget of the call is spent', () => {
    expect(findUnsafePattern({ pattern: '^[a-z]+$' }, Date.now() - 1)?.reason).toMatch(/too many patterns/);
  });
});
