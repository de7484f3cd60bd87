import { randomFillSync } from 'node:crypto';

const ID_BYTES = 10;
/** Random bytes drawn from the CSPRNG this many ids at a time: one system call per 256 ids, not one per id. */
const POOL_IDS = 256;
const pool = Buffer.alloc(ID_BYTES * POOL_IDS);
let next = POOL_IDS;

/** Opaque ids: a type prefix and 20 hex chars (80 random bits). Never contain ':'. */
export function newId(prefix: 'team' | 'key' | 'prj' | 'wh' | 'evt' | 'att'): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const start = next++ * ID_BYTES;
  return `${prefix}_${pool.toString('hex', start, start + ID_BYTES)}`;
}
