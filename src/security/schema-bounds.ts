import { isObject, subschemasAt } from './schema-positions.js';

/**
 * Bounds on a tenant JSON Schema, so compiling it and validating payloads with it cannot hold
 * the API's event loop (shared by every team) for long. Ajv compiles in time that grows faster
 * than the schema: measured here, 100 properties ~80 ms, 250 ~190 ms, 1,000 ~600 ms, 2,000 ~2.4 s.
 * - MAX_SUBSCHEMAS: schemas (the root and every subschema) in one schema; at this bound a
 *   compile takes ~0.1–0.2 s on a loaded 2-core box, once per schema per API process.
 * - MAX_SCHEMA_BYTES: its JSON text (enum and const lists, long patterns).
 * - `uniqueItems: true` needs scalar `items` (Ajv then hashes: linear) or `maxItems` of at most
 *   MAX_UNIQUE_ITEMS: otherwise Ajv compares every pair of items, O(n²) (32,000 objects: 15 s).
 * - MAX_ENUM_MEMBERS per `enum`: each value is compared with every member, so an enum applied to
 *   array items costs items × members (`items: {not: {enum: […4,000 objects]}}` over 40,000 items:
 *   5.5 s; at 256 members, 0.3 s, the worst case measured for a 256 KiB payload).
 */
export const MAX_SUBSCHEMAS = 256;
export const MAX_SCHEMA_BYTES = 64 * 1024;
export const MAX_UNIQUE_ITEMS = 200;
export const MAX_ENUM_MEMBERS = 256;
/** Schemas one API call (eventTypes.import) may compile, all counted: ~1 s of compiling. */
export const MAX_SUBSCHEMAS_PER_CALL = 2_000;

export interface CostlySchema {
  /** Where in the schema; empty for the whole schema. */
  path: (string | number)[];
  reason: string;
}

const SCALAR = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** True when `items` declares only scalar types (Ajv's linear uniqueItems check). */
function scalarItems(items: unknown): boolean {
  if (!isObject(items)) return false;
  const types = Array.isArray(items.type) ? items.type : [items.type];
  return types.length > 0 && types.every((t) => typeof t === 'string' && SCALAR.has(t));
}

/** Number of schemas (root included) in `schema`'s schema positions. */
export function countSubschemas(schema: unknown): number {
  let n = 0;
  const stack = [schema];
  while (stack.length) {
    const node = stack.pop();
    if (!isObject(node)) continue;
    n++;
    for (const [key, value] of Object.entries(node)) for (const [, child] of subschemasAt(key, value)) stack.push(child);
  }
  return n;
}

/** The first bound `schema` breaks, or null. */
export function findCostlySchema(schema: unknown): CostlySchema | null {
  const count = countSubschemas(schema);
  if (count > MAX_SUBSCHEMAS)
    return {
      path: [],
      reason: `must hold at most ${MAX_SUBSCHEMAS} schemas, the root and its subschemas (properties, items, …) counted (got ${count}): compiling more would stall other teams' requests`,
    };
  const bytes = Buffer.byteLength(JSON.stringify(schema) ?? '', 'utf8');
  if (bytes > MAX_SCHEMA_BYTES) return { path: [], reason: `must be at most ${MAX_SCHEMA_BYTES} bytes as JSON (got ${bytes})` };
  const walk = (node: unknown, path: (string | number)[]): CostlySchema | null => {
    if (!isObject(node)) return null;
    if (
      node.uniqueItems === true &&
      !scalarItems(node.items) &&
      !(typeof node.maxItems === 'number' && node.maxItems <= MAX_UNIQUE_ITEMS)
    ) {
      return {
        path: [...path, 'uniqueItems'],
        reason: `needs \`items\` of scalar types (string, number, integer, boolean, null) or \`maxItems\` of at most ${MAX_UNIQUE_ITEMS}: otherwise every pair of items is compared`,
      };
    }
    if (Array.isArray(node.enum) && node.enum.length > MAX_ENUM_MEMBERS) {
      return {
        path: [...path, 'enum'],
        reason: `must list at most ${MAX_ENUM_MEMBERS} values (got ${node.enum.length}): every value a payload holds there is compared with each`,
      };
    }
    for (const [key, value] of Object.entries(node)) {
      for (const [below, child] of subschemasAt(key, value)) {
        const bad = walk(child, [...path, key, ...below]);
        if (bad) return bad;
      }
    }
    return null;
  };
  return walk(schema, []);
}
