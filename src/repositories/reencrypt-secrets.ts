/**
 * `npm run admin -- secrets reencrypt`: seals every stored signing secret (the current one and
 * every previous one, expired or not), receiver credential and webhook proxy URL
 * with HERALD_ENCRYPTION_KEY's first key. Idempotent: values already under that key are left
 * alone, so a second run changes nothing. Works in pages of `batchSize` webhooks by id; each page
 * is one compare-and-set UPDATE, so a secret rotated through the API meanwhile is never
 * overwritten with its old value (that row is read again and retried). `updated_at` is left
 * alone: re-sealing changes no secret.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { PreviousSecret } from '../security/previous-secret.js';
import type { Keyring } from '../security/encryption-keys.js';
import { needsReseal, openSecret, SecretKeyError, sealSecret } from '../security/secret-envelope.js';
import { resealReceiverAuth, type StoredReceiverAuth } from '../security/receiver-auth.js';
import { resealEgressProxy, type StoredEgressProxy } from '../security/egress-proxy.js';

export interface ReencryptReport {
  /** Webhook rows looked at. */
  scanned: number;
  /** Rows rewritten (any of their secrets re-sealed). */
  reencrypted: number;
  /** Rows that could not be opened with this keyring (key missing or wrong): left unchanged. */
  failed: { webhookId: string; reason: string }[];
}

type Row = {
  id: string;
  secret: string;
  previous_secrets: PreviousSecret[];
  auth: StoredReceiverAuth | null;
  egress_proxy: StoredEgressProxy | null;
};
type Change = { old: Row; secret: string; previous: PreviousSecret[]; auth: StoredReceiverAuth | null; proxy: StoredEgressProxy | null };
const COLUMNS = ['id', 'secret', 'previous_secrets', 'auth', 'egress_proxy'] as const;
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
    const rows = await db.selectFrom('webhooks').select(COLUMNS).where('id', '>', after).orderBy('id').limit(batchSize).execute();
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
      pending = lost.length ? await db.selectFrom('webhooks').select(COLUMNS).where('id', 'in', lost).execute() : [];
      if (attempt === MAX_CAS_RETRIES)
        for (const r of pending) report.failed.push({ webhookId: r.id, reason: 'changed concurrently on every try; run again' });
    }
    opts.onBatch?.(report);
  }
  return report;
}

/** The row's new values, or nothing when every secret is already under the current key. */
function reseal(keyring: Keyring, r: Row, report: ReencryptReport): Change[] {
  const authStale = r.auth !== null && needsReseal(keyring, r.auth.sealed);
  const proxyStale = r.egress_proxy?.mode === 'proxy' && needsReseal(keyring, r.egress_proxy.sealed);
  if (!needsReseal(keyring, r.secret) && !r.previous_secrets.some((p) => needsReseal(keyring, p.secret)) && !authStale && !proxyStale)
    return [];
  const sealed = (stored: string) => (needsReseal(keyring, stored) ? sealSecret(keyring, r.id, openSecret(keyring, r.id, stored)) : stored);
  try {
    return [
      {
        old: r,
        secret: sealed(r.secret),
        previous: r.previous_secrets.map((p) => ({ ...p, secret: sealed(p.secret) })),
        auth: authStale && r.auth ? resealReceiverAuth(keyring, r.id, r.auth) : r.auth,
        proxy: proxyStale && r.egress_proxy ? resealEgressProxy(keyring, r.id, r.egress_proxy) : r.egress_proxy,
      },
    ];
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    report.failed.push({ webhookId: r.id, reason: err.message });
    return [];
  }
}

/** One UPDATE for the page; a row is written only if its secrets still hold what was read. Returns the ids written. */
async function writeIfUnchanged(db: Kysely<Database>, changes: Change[]): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const values = sql.join(
    changes.map(
      (c) =>
        sql`(${c.old.id}::text, ${c.old.secret}::text, ${JSON.stringify(c.old.previous_secrets)}::jsonb, ${c.secret}::text, ${JSON.stringify(c.previous)}::jsonb,
          ${json(c.old.auth)}::jsonb, ${json(c.auth)}::jsonb, ${json(c.old.egress_proxy)}::jsonb, ${json(c.proxy)}::jsonb)`,
    ),
  );
  const { rows } = await sql<{ id: string }>`
    update webhooks w set secret = v.new_secret, previous_secrets = v.new_previous, auth = v.new_auth, egress_proxy = v.new_proxy
    from (values ${values}) as v(id, old_secret, old_previous, new_secret, new_previous, old_auth, new_auth, old_proxy, new_proxy)
    where w.id = v.id and w.secret = v.old_secret and w.previous_secrets = v.old_previous
      and w.auth is not distinct from v.old_auth and w.egress_proxy is not distinct from v.old_proxy
    returning w.id`.execute(db);
  return new Set(rows.map((r) => r.id));
}

const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
