/**
 * Where JSON Schema (draft-07 and 2019-09/2020-12, as Ajv reads them) puts subschemas: a keyword
 * whose value is one schema (`items` also a list), a list of schemas, or a map from names to
 * schemas. Everything else holds data (`default`, `enum`, `examples`, `const`, unknown keywords)
 * and is never compiled; a property *named* `default` under `properties` is a schema like any other.
 */
export const ONE = new Set([
  'not',
  'if',
  'then',
  'else',
  'items',
  'additionalItems',
  'contains',
  'additionalProperties',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
]);
export const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
export const MAP = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'dependencies']);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The direct subschemas of one schema object under `key`, each with its path below the key (empty for a single one). */
export function subschemasAt(key: string, value: unknown): [(string | number)[], unknown][] {
  const children: [(string | number)[], unknown][] = [];
  if (ONE.has(key) && isObject(value)) children.push([[], value]);
  if (LIST.has(key) && Array.isArray(value)) for (const [i, v] of value.entries()) children.push([[i], v]);
  if (MAP.has(key) && isObject(value)) for (const [name, v] of Object.entries(value)) children.push([[name], v]);
  return children;
}
