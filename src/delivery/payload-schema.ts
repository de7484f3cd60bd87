import { Ajv, type ValidateFunction } from 'ajv';
import { findCostlySchema } from '../security/schema-bounds.js';
import { findUnsafePattern, type UnsafePattern } from '../security/schema-patterns.js';

/**
 * Checks tenant schemas against the draft-07 meta-schema. It never compiles or registers one:
 * each schema is compiled in an Ajv instance of its own (below), so its `$id` is known nowhere
 * else and its `$ref`s reach only inside itself. Team B's `{"$ref": "<team A's $id>"}` resolves
 * to nothing (an invalid schema), no `$id` is taken for anyone else, the same `$id` may be stored
 * in any key order, and Ajv keeps nothing once the cache below drops the entry.
 */
const meta = new Ajv({ strict: false });

/** Most compiled schemas kept per process; the least recently used goes first. Each costs ~4 KB plus its generated code. */
export const MAX_COMPILED_SCHEMAS = 500;

/**
 * Compiled schemas by their JSON text, least recently used first. `unsafe` is the ReDoS guard's
 * verdict, computed the first time a schema validates a payload (undefined until then): once per
 * distinct schema per process. A refusal is checked again after REFUSAL_RECHECK_MS (epoch ms in
 * `checkedAt`): the guard also refuses patterns it cannot prove safe in time, which a busy CPU can
 * cause, while rechecking on every publish would let a bad stored schema cost up to a second of
 * CPU per call.
 */
type Entry = { validate: ValidateFunction; unsafe?: UnsafePattern | null; checkedAt?: number };
const REFUSAL_RECHECK_MS = 60_000;
const cache = new Map<string, Entry>();

/** How many compiled schemas this process holds (for tests of the bound). */
export const compiledSchemaCount = () => cache.size;

function entryFor(schema: Record<string, unknown>): { ok: true; entry: Entry } | { ok: false; message: string } {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return { ok: true, entry: hit };
  }
  // A schema over the bounds (one stored before they existed) is never compiled.
  const costly = findCostlySchema(schema);
  if (costly) return { ok: false, message: `${costly.path.length ? `${costly.path.join('.')}: ` : ''}${costly.reason}` };
  try {
    meta.validateSchema(schema, true);
    // Its own instance, meta-schema check done above: nothing it declares outlives the entry.
    const entry: Entry = { validate: new Ajv({ allErrors: false, strict: false, validateSchema: false }).compile(schema) };
    if (cache.size >= MAX_COMPILED_SCHEMAS) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
    return { ok: true, entry };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Compiles (and caches) a JSON Schema; returns an error message for an invalid schema. */
export function compileSchema(schema: Record<string, unknown>): { ok: true; validate: ValidateFunction } | { ok: false; message: string } {
  const r = entryFor(schema);
  return r.ok ? { ok: true, validate: r.entry.validate } : r;
}

export type PayloadProblem = { kind: 'unsafe-schema'; unsafe: UnsafePattern } | { kind: 'invalid'; field: string; rule: string };

/**
 * Null when `data` satisfies `schema`, else the problem: the first violation (`data/path` and
 * rule), an invalid schema, or a schema with a pattern the ReDoS guard refuses. Schemas are
 * checked when an event type is created, updated or imported, but one stored before that guard
 * existed was not; it is checked here, before any of its regexes runs on a payload, and never used.
 */
export function validatePayload(schema: Record<string, unknown>, data: unknown): PayloadProblem | null {
  const compiled = entryFor(schema);
  if (!compiled.ok) return { kind: 'invalid', field: 'schema', rule: compiled.message };
  const { entry } = compiled;
  const now = Date.now();
  if (entry.unsafe === undefined || (entry.unsafe && now - entry.checkedAt! > REFUSAL_RECHECK_MS)) {
    entry.unsafe = findUnsafePattern(schema);
    entry.checkedAt = now;
  }
  if (entry.unsafe) return { kind: 'unsafe-schema', unsafe: entry.unsafe };
  if (entry.validate(data)) return null;
  const e = entry.validate.errors?.[0];
  return { kind: 'invalid', field: `data${e?.instancePath ?? ''}`, rule: e?.message ?? 'does not match the event type schema' };
}
