import { describe, expect, it } from 'vitest';
import { countSubschemas, findCostlySchema, MAX_SCHEMA_BYTES, MAX_SUBSCHEMAS } from '../../src/security/schema-bounds.js';

const flat = (n: number) => ({
  type: 'object',
  properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, { type: 'string' }])),
});

describe('bounds on tenant JSON Schemas', () => {
  it('counts the root and every subschema, data positions not', () => {
    expect(
      countSubschemas({
        type: 'object',
        properties: { a: { type: 'string' }, b: { items: [{}, {}] } },
        default: { properties: { x: {} } },
      }),
    ).toBe(5);
  });

  it(`refuses more than ${MAX_SUBSCHEMAS} schemas in one, and a JSON text over ${MAX_SCHEMA_BYTES} bytes`, () => {
    expect(findCostlySchema(flat(MAX_SUBSCHEMAS - 1))).toBeNull();
    expect(findCostlySchema(flat(MAX_SUBSCHEMAS))?.reason).toMatch(
      /^must hold at most 256 schemas, the root and its subschemas \(properties, items, …\) counted \(got 257\)/,
    );
    expect(findCostlySchema({ enum: ['x'.repeat(MAX_SCHEMA_BYTES)] })?.reason).toMatch(/^must be at most 65536 bytes as JSON/);
  });

  it('allows uniqueItems only with scalar items or a small maxItems, wherever it sits', () => {
    expect(findCostlySchema({ type: 'array', uniqueItems: true })).toEqual({
      path: ['uniqueItems'],
      reason: expect.stringMatching(/^needs `items` of scalar types/),
    });
    expect(findCostlySchema({ properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'object' } } } })?.path).toEqual([
      'properties',
      'tags',
      'uniqueItems',
    ]);
    expect(findCostlySchema({ uniqueItems: true, items: { type: ['string', 'integer'] } })).toBeNull();
    expect(findCostlySchema({ uniqueItems: true, items: { type: 'object' }, maxItems: 200 })).toBeNull();
    expect(findCostlySchema({ uniqueItems: true, maxItems: 201 })?.path).toEqual(['uniqueItems']);
    expect(findCostlySchema({ uniqueItems: false })).toBeNull();
  });

  it('caps the members of each enum, wherever it sits', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(findCostlySchema({ items: { enum: members(256) } })).toBeNull();
    expect(findCostlySchema({ items: { not: { enum: members(257) } } })).toEqual({
      path: ['items', 'not', 'enum'],
      reason: 'must list at most 256 values (got 257): every value a payload holds there is compared with each',
    });
  });
});
