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

/** A query over a table keyed by (created_at, id) whose rows carry both. */
type KeysetQuery<Q, Row> = {
  where(f: (eb: any) => unknown): Q;
  orderBy(col: 'created_at' | 'id', dir: 'desc'): Q;
  limit(n: number): Q;
  execute(): Promise<Row[]>;
};

/**
 * One page of `q`, newest first, after `cursor`: `pageSize` rows and the cursor of the next page
 * (null on the last). Lists that page by creation time (events, deliveries) share this.
 */
export async function keysetPage<Q extends KeysetQuery<Q, Row>, Row extends { created_at: Date; id: string }>(
  q: Q,
  input: { cursor?: string; pageSize: number },
): Promise<{ page: Row[]; nextCursor: string | null }> {
  let query = q;
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    query = query.where((eb) => eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(input.pageSize + 1)
    .execute();
  const page = rows.slice(0, input.pageSize);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > input.pageSize && last ? encodeCursor(last.created_at, last.id) : null };
}
