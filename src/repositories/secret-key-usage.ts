/**
 * Which keys the stored signing secrets are sealed with, for `npm run admin -- secrets status`
 * and the start-up check of the API and worker processes: a key still in use must stay in
 * HERALD_ENCRYPTION_KEY, and a key in use but missing means deliveries will fail.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import type { Keyring } from '../security/encryption-keys.js';

/** Stored values (current and every previous secret, expired or not) per key id; `null` = in clear. */
export type KeyUsage = { keyId: string | null; values: number }[];

export async function secretKeyUsage(db: Kysely<Database>): Promise<KeyUsage> {
  const { rows } = await sql<{ key_id: string | null; n: string }>`
    select case when v like 'enc:v1:%' then split_part(v, ':', 3) end as key_id, count(*) as n
    from (select secret as v from webhooks union all select p ->> 'secret' from webhooks, jsonb_array_elements(previous_secrets) p) s
    group by 1 order by 1 nulls first`.execute(db);
  return rows.map((r) => ({ keyId: r.key_id, values: Number(r.n) }));
}

/**
 * Logs what an operator must act on, at start: (error) secrets under keys this process lacks,
 * whose deliveries will fail; (warn) secrets not under the current key, with the command that
 * re-seals them; (warn, `production` only) no key configured at all. Never throws for the data:
 * a process that refused to start would only crash-loop, while the deliveries of the other
 * webhooks can go on.
 */
export async function checkSecretKeys(
  db: Kysely<Database>,
  keyring: Keyring,
  log: Logger,
  opts: { production: boolean },
): Promise<KeyUsage> {
  const usage = await secretKeyUsage(db);
  const held = new Set(keyring.map((k) => k.id));
  const missing = usage.filter((u) => u.keyId !== null && !held.has(u.keyId));
  if (missing.length) {
    log.error(
      'signing secrets are encrypted with keys HERALD_ENCRYPTION_KEY does not hold; their deliveries fail until the keys are added',
      {
        missingKeys: missing.map((u) => u.keyId),
        values: missing.reduce((n, u) => n + u.values, 0),
      },
    );
  }
  const current = keyring[0]?.id;
  if (current === undefined) {
    const clear = usage.find((u) => u.keyId === null)?.values ?? 0;
    if (opts.production)
      log.warn('HERALD_ENCRYPTION_KEY is unset: webhook signing secrets are stored in clear (README, Security)', { clearValues: clear });
  } else {
    const stale = usage.filter((u) => u.keyId !== current && (u.keyId === null || held.has(u.keyId)));
    if (stale.length) {
      log.warn('some signing secrets are not under the current encryption key; run `npm run admin -- secrets reencrypt`', {
        currentKey: current,
        byKey: Object.fromEntries(stale.map((u) => [u.keyId ?? 'clear', u.values])),
      });
    }
  }
  return usage;
}
