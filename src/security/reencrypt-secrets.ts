/**
 * `npm run admin -- secrets reencrypt`: seals every stored signing secret (current and previous)
 * with HERALD_ENCRYPTION_KEY's first key. Idempotent: values already under that key are left
 * alone, so a second run changes nothing. Works in pages of `batchSize` webhooks by id; each page
 * is one compare-and-set UPDATE, so a secret rotated through the API meanwhile is never
 * overwritten with its old value (that row is read again and retried). `updated_at` is left
 * alone: re-sealing changes no secret.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Keyring } from './encryption-keys.js';
import { needsReseal, openSecret, SecretKeyError, sealSecret } from './secret-envelope.js';

export interface ReencryptReport {
  /** Webhook rows looked at. */
  scanned: number;
  /** Rows rewritten (one or both columns re-sealed). */
  reencrypted: number;
  /** Rows that could not be opened with this keyring (key missing or wrong): left unchanged. */
  failed: { webhookId: string; reason: string }[];
}

type Row = { id: string; secret: string; previous_secret: string | null };
const MAX_CAS_RETRIES = 3;

export async function reencryptSecrets(
  db: Kysely<Database>,
  keyring: Keyring,
  opts: { batchSize?: number; onBatch?: (r: ReencryptReport) => void } = {},
): Promise<ReencryptReport> {
  if (keyring.length === 0) throw new Error('HERALD_ENCRYPTION_KEY is unset: there is no key to encrypt with');
  const batchSize = opts.batchSize ?? 500;
  const report: ReencryptReport = { scanned: 0, reencrypted: 0, failed: [] };
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('webhooks')
      .select(['id', 'secret', 'previous_secret'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    report.scanned += rows.length;
    let pending = rows;
    for (let attempt = 0; pending.length > 0 && attempt <= MAX_CAS_RETRIES; attempt++) {
      const changes = pending.flatMap((r) => reseal(keyring, r, report));
      const written = await writeIfUnchanged(db, changes);
      report.reencrypted += written.size;
      const lost = changes.filter((c) => !written.has(c.old.id)).map((c) => c.old.id);
      // Rows changed underneath (a rotation, a delete): read them again and retry.
      pending = lost.length
        ? await db.selectFrom('webhooks').select(['id', 'secret', 'previous_secret']).where('id', 'in', lost).execute()
        : [];
      if (attempt === MAX_CAS_RETRIES)
        for (const r of pending) report.failed.push({ webhookId: r.id, reason: 'changed concurrently on every try; run again' });
    }
    opts.onBatch?.(report);
  }
  return report;
}

/** The row's new values, or nothing when both columns are already under the current key. */
function reseal(keyring: Keyring, r: Row, report: ReencryptReport): { old: Row; secret: string; previous: string | null }[] {
  if (!needsReseal(keyring, r.secret) && (r.previous_secret === null || !needsReseal(keyring, r.previous_secret))) return [];
  try {
    const secret = needsReseal(keyring, r.secret) ? sealSecret(keyring, r.id, openSecret(keyring, r.id, r.secret)) : r.secret;
    const previous =
      r.previous_secret !== null && needsReseal(keyring, r.previous_secret)
        ? sealSecret(keyring, r.id, openSecret(keyring, r.id, r.previous_secret))
        : r.previous_secret;
    return [{ old: r, secret, previous }];
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    report.failed.push({ webhookId: r.id, reason: err.message });
    return [];
  }
}

/** One UPDATE for the page; a row is written only if both columns still hold what was read. Returns the ids written. */
async function writeIfUnchanged(
  db: Kysely<Database>,
  changes: { old: Row; secret: string; previous: string | null }[],
): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const values = sql.join(
    changes.map(
      (c) => sql`(${c.old.id}::text, ${c.old.secret}::text, ${c.old.previous_secret}::text, ${c.secret}::text, ${c.previous}::text)`,
    ),
  );
  const { rows } = await sql<{ id: string }>`
    update webhooks w set secret = v.new_secret, previous_secret = v.new_previous
    from (values ${values}) as v(id, old_secret, old_previous, new_secret, new_previous)
    where w.id = v.id and w.secret = v.old_secret and w.previous_secret is not distinct from v.old_previous
    returning w.id`.execute(db);
  return new Set(rows.map((r) => r.id));
}
