import { TRPCError } from '@trpc/server';
import type { JsonSchema } from './procedure-input.js';

/**
 * Turns a REST request's query string into the procedure's input object. Values arrive as text;
 * a field the input schema types as a number or boolean is converted when the text is one
 * (`pageSize=10`, `active=false`), otherwise it is passed on as text and the procedure's own
 * validation names the field and the rule. Unknown and repeated parameters are refused here,
 * since a mistyped filter (`pagesize`) would otherwise be silently ignored.
 */
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function queryInput(params: URLSearchParams, schema: JsonSchema | undefined): Record<string, unknown> {
  const properties = schema?.properties ?? {};
  const input: Record<string, unknown> = {};
  for (const [name, text] of params) {
    const field = properties[name];
    if (!field || !Object.hasOwn(properties, name)) {
      const allowed = Object.keys(properties);
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `${JSON.stringify(name)}: unknown query parameter (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'this operation takes none'})`,
      });
    }
    if (Object.hasOwn(input, name)) throw new TRPCError({ code: 'BAD_REQUEST', message: `${name}: must be given once` });
    input[name] = convert(text, field.type);
  }
  return input;
}

function convert(text: string, type: unknown): unknown {
  if ((type === 'integer' || type === 'number') && NUMBER.test(text)) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** The JSON body of a POST or PATCH; empty means no fields. */
export function bodyInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `input: the request body is not JSON (${err instanceof Error ? err.message : String(err)})`,
    });
  }
}
