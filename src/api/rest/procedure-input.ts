import { z } from 'zod';
import { appRouter } from '../app-router.js';
import type { ProcedurePath } from './rest-routes.js';

/** A JSON Schema object as z.toJSONSchema writes it (draft 2020-12, which OpenAPI 3.1 uses). */
export type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  inputs: unknown[];
}

/** The tRPC procedure behind a path (every authed rule runs in its middleware chain). */
export function procedureDef(path: ProcedurePath | string): ProcedureDef | undefined {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef } | undefined>;
  return procedures[path]?._def;
}

/** Every procedure path of the app router. */
export function procedurePaths(): string[] {
  return Object.keys(appRouter._def.procedures);
}

/**
 * The procedure's input as JSON Schema (what a client sends: defaults make fields optional),
 * or undefined when it takes none. Refinements (the text rules, URL checks) cannot be written
 * as JSON Schema and are enforced by the procedure itself; their errors name the field.
 */
export function inputJsonSchema(path: ProcedurePath): JsonSchema | undefined {
  const input = procedureDef(path)?.inputs[0];
  if (!input) return undefined;
  return toJsonSchema(input as z.ZodType, 'input');
}

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}
