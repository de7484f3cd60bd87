import { TRPCError } from '@trpc/server';

/** NOT_FOUND for missing and for other teams' objects alike, so nothing leaks. */
export function notFound(kind: string, id: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${kind} not found: ${id}` });
}

/** BAD_REQUEST naming the field and the rule, e.g. `url: only https is allowed`. */
export function badRequest(field: string, rule: string): TRPCError {
  return new TRPCError({ code: 'BAD_REQUEST', message: `${field}: ${rule}` });
}

export function conflict(message: string): TRPCError {
  return new TRPCError({ code: 'CONFLICT', message });
}
