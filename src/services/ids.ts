import { randomBytes } from 'node:crypto';

/** Opaque ids: a type prefix and 20 hex chars (80 random bits). Never contain ':'. */
export function newId(prefix: 'team' | 'key' | 'prj' | 'wh' | 'evt' | 'att'): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}
