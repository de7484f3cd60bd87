import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: false, strict: false });
const cache = new Map<string, ValidateFunction>();

/** Compiles (and caches) a JSON Schema; returns an error message for an invalid schema. */
export function compileSchema(schema: Record<string, unknown>): { ok: true; validate: ValidateFunction } | { ok: false; message: string } {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return { ok: true, validate: hit };
  try {
    const validate = ajv.compile(schema);
    if (cache.size > 500) cache.clear();
    cache.set(key, validate);
    return { ok: true, validate };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Null when `data` satisfies `schema`, else the first violation as `data/path: rule`. */
export function validatePayload(schema: Record<string, unknown>, data: unknown): string | null {
  const compiled = compileSchema(schema);
  if (!compiled.ok) return `schema: ${compiled.message}`;
  if (compiled.validate(data)) return null;
  const e = compiled.validate.errors?.[0];
  return `data${e?.instancePath ?? ''}: ${e?.message ?? 'does not match the event type schema'}`;
}
