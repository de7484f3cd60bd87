import { badRequest } from '../services/errors.js';
import { textViolation } from './text-rules.js';

/** Opaque keyset cursor over (created_at, id), newest first. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    // The id goes into a query: it must be text PostgreSQL can take (no NUL, no lone surrogate).
    if (typeof id !== 'string' || textViolation(id, 'name') || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw badRequest('cursor', 'is not a cursor returned by this API');
  }
}
