/** The `secrets` commands of the admin CLI (README "Security": rotating the encryption key). */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HeraldConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { KEY_ID } from '../security/encryption-keys.js';
import { reencryptSecrets } from '../repositories/reencrypt-secrets.js';
import { secretKeyUsage } from '../repositories/secret-key-usage.js';

/** `id:base64` of 32 fresh random bytes: one entry for HERALD_ENCRYPTION_KEY. */
export function newEncryptionKeyEntry(id: string): string {
  if (!KEY_ID.test(id)) throw new Error('key id must be 1–32 characters of A-Z a-z 0-9 _ -');
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * `status` prints the stored values (current and previous secrets) per key id; `reencrypt`
 * re-seals every one not under the first key, then prints the status. Exits non-zero (throws)
 * when any could not be re-sealed, naming the webhooks, so a script never removes a key still in use.
 */
export async function runSecretsCommand(
  db: Kysely<Database>,
  config: HeraldConfig,
  verb: 'status' | 'reencrypt',
  print: (line: string) => void,
): Promise<void> {
  if (verb === 'reencrypt') {
    const current = config.encryptionKeys[0];
    if (!current)
      throw new Error('HERALD_ENCRYPTION_KEY is unset: set it (see `npm run admin -- secrets new-key k1`) before re-encrypting');
    const report = await reencryptSecrets(db, config.encryptionKeys, {
      onBatch: (r) => print(`… ${r.scanned} webhooks scanned, ${r.reencrypted} re-encrypted`),
    });
    print(`re-encrypted the secrets of ${report.reencrypted} of ${report.scanned} webhooks with key "${current.id}"`);
    for (const f of report.failed) print(`  not re-encrypted: ${f.reason}`);
    printUsage(await secretKeyUsage(db), print);
    if (report.failed.length)
      throw new Error(`${report.failed.length} webhooks could not be re-encrypted; keep every key they use in HERALD_ENCRYPTION_KEY`);
    return;
  }
  printUsage(await secretKeyUsage(db), print);
}

function printUsage(usage: Awaited<ReturnType<typeof secretKeyUsage>>, print: (line: string) => void): void {
  print('stored signing secrets by key:');
  if (usage.length === 0) print('  (none)');
  for (const u of usage) print(`  ${u.keyId ?? '(clear)'}\t${u.values}`);
}
