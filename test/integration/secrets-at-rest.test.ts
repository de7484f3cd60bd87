import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeraldConfig } from '../../src/config.js';
import type { Logger } from '../../src/log.js';
import { parseKeyring } from '../../src/security/encryption-keys.js';
import { reencryptSecrets } from '../../src/repositories/reencrypt-secrets.js';
import { checkSecretKeys } from '../../src/repositories/secret-key-usage.js';
import { createHarness, type Harness, mapResolver, startHerald } from '../support/harness.js';
import { type Arrival, type Receiver, startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

const run = promisify(execFile);
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;
const k2Impostor = `k2:${randomBytes(32).toString('base64')}`;

/**
 * Each phase is one HERALD_ENCRYPTION_KEY value for the API and a fresh worker, on a task queue
 * of its own, so exactly that worker (with exactly those keys) runs the phase's deliveries.
 */
describe('signing secrets encrypted at rest', () => {
  let h: Harness;
  let rx: Receiver;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  let stopPhase: (() => Promise<void>) | undefined;
  let phases = 0;
  const hooks: Record<string, { id: string; secret: string; previous?: string[] }> = {};

  beforeAll(async () => {
    h = await createHarness({ worker: false, env: { HERALD_ENCRYPTION_KEY: k1 } });
    rx = await startReceiver();
    t = await teamWithType(h);
  });
  afterAll(async () => {
    await stopPhase?.();
    await rx?.close();
    await h?.close();
  });

  async function phase(keys: string): Promise<void> {
    await stopPhase?.();
    const parsed = parseKeyring(keys);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const config: HeraldConfig = {
      ...h.config,
      encryptionKeys: parsed.keyring,
      temporal: { ...h.config.temporal, taskQueue: `${h.config.temporal.taskQueue}-p${++phases}` },
    };
    h.deps.config = config;
    const worker = await startHerald(config, { worker: true }, { resolve: mapResolver({}), migrate: false });
    stopPhase = async () => {
      await worker.stop();
      stopPhase = undefined;
    };
  }

  const stored = (id: string) =>
    h.db.selectFrom('webhooks').select(['secret', 'previous_secrets']).where('id', '=', id).executeTakeFirstOrThrow();

  async function createHook(name: string) {
    const w = await t.api.webhooks.create.mutate({
      name,
      url: `${rx.url}/${name}`,
      eventTypes: [t.type],
      retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 1, backoff: 'fixed' },
    });
    hooks[name] = { id: w.id, secret: w.secret };
    return w;
  }

  /** Publishes to every webhook and returns each one's delivery outcome and arrival. */
  async function deliver(statuses = ['succeeded']) {
    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: randomBytes(4).toString('hex') } });
    const out: Record<string, { delivery: Awaited<ReturnType<typeof waitForDelivery>>; arrival?: Arrival }> = {};
    for (const [name, hook] of Object.entries(hooks)) {
      const delivery = await waitForDelivery(t.api, deliveryIdOf(e.id, hook.id), statuses);
      out[name] = { delivery, arrival: rx.arrivals.find((a) => a.path === `/hook/${name}` && a.body.includes(e.id)) };
    }
    return out;
  }

  const verifies = (arrival: Arrival | undefined, secret: string) => {
    expect(arrival, 'delivery arrived').toBeDefined();
    return new Webhook(secret).verify(arrival!.body, arrival!.headers as Record<string, string>);
  };

  it('stores a secret in clear with no key, and its delivery verifies', async () => {
    await phase('');
    const w = await createHook('clear');
    expect((await stored(w.id)).secret).toBe(w.secret);
    const out = await deliver();
    expect(verifies(out.clear!.arrival, w.secret)).toMatchObject({ type: t.type });
  });

  it('with a key set, keeps a secret created or rotated through the API out of the webhooks table in clear, and deliveries still verify', async () => {
    await phase(k1);
    const w = await createHook('sealed');
    const row = await stored(w.id);
    expect(row.secret).toMatch(/^enc:v1:k1:/);
    for (const s of [w.secret, w.secret.slice('whsec_'.length)]) expect(JSON.stringify(row).includes(s)).toBe(false);
    expect((await t.api.webhooks.getSecret.query({ id: w.id })).secret).toBe(w.secret);

    const between = await t.api.webhooks.rotateSecret.mutate({ id: w.id });
    const rotated = await t.api.webhooks.rotateSecret.mutate({ id: w.id });
    hooks.sealed = { id: w.id, secret: rotated.secret, previous: [between.secret, w.secret] };
    const after = await stored(w.id);
    expect(after.secret).toMatch(/^enc:v1:k1:/);
    expect(after.previous_secrets).toHaveLength(2);
    for (const p of after.previous_secrets) expect(p.secret).toMatch(/^enc:v1:k1:/);
    for (const s of [w.secret, between.secret, rotated.secret]) expect(JSON.stringify(after).includes(s.slice(6))).toBe(false);
    expect(await t.api.webhooks.getSecret.query({ id: w.id })).toMatchObject({
      secret: rotated.secret,
      previousSecret: between.secret,
      previousSecrets: [{ secret: between.secret }, { secret: w.secret }],
    });

    // The clear row from before the key was set keeps working.
    const out = await deliver();
    expect(verifies(out.sealed!.arrival, rotated.secret)).toMatchObject({ type: t.type });
    expect(verifies(out.sealed!.arrival, between.secret)).toMatchObject({ type: t.type });
    expect(verifies(out.sealed!.arrival, w.secret)).toMatchObject({ type: t.type });
    expect(verifies(out.clear!.arrival, hooks.clear!.secret)).toMatchObject({ type: t.type });
  });

  it('rotates the encryption key: new key first, re-encrypt with the admin CLI, old key removed, and every delivery still verifies', async () => {
    await phase(`${k2},${k1}`);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: h.config.databaseUrl!,
      HERALD_ENCRYPTION_KEY: `${k2},${k1}`,
    };
    const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/main/admin.ts', ...args], { env, cwd: process.cwd() });
    const first = await cli(['secrets', 'reencrypt']);
    expect(first.stdout).toContain('re-encrypted the secrets of 2 of 2 webhooks with key "k2"');
    expect(first.stdout).toMatch(/\n {2}k2\t4\n/); // clear's secret, sealed's secret and its two previous secrets
    for (const s of [k1, k2]) expect(`${first.stdout}${first.stderr}`.includes(s.slice(3))).toBe(false);
    for (const hook of Object.values(hooks)) {
      const row = await stored(hook.id);
      expect(row.secret).toMatch(/^enc:v1:k2:/);
      expect(row.previous_secrets.map((p) => p.secret.slice(0, 10))).toEqual((hook.previous ?? []).map(() => 'enc:v1:k2:'));
    }
    // Idempotent: a second run (the CLI's own function, in process) finds nothing to do.
    const again = parseKeyring(`${k2},${k1}`);
    if (!again.ok) throw new Error('bad test key');
    expect(await reencryptSecrets(h.db, again.keyring)).toEqual({ scanned: 2, reencrypted: 0, failed: [] });

    await phase(k2);
    const out = await deliver();
    expect(verifies(out.clear!.arrival, hooks.clear!.secret)).toMatchObject({ type: t.type });
    expect(verifies(out.sealed!.arrival, hooks.sealed!.secret)).toMatchObject({ type: t.type });
    for (const previous of hooks.sealed!.previous!) expect(verifies(out.sealed!.arrival, previous)).toMatchObject({ type: t.type });
    expect((await t.api.webhooks.getSecret.query({ id: hooks.sealed!.id })).secret).toBe(hooks.sealed!.secret);
  }, 120_000); // the CLI is a separate tsx process: seconds of CPU on a loaded box

  it('fails a delivery whose secret is under a key the worker lacks with a clear error, once, without sending or retrying', async () => {
    for (const [keys, message] of [
      [k1, 'is encrypted with key "k2", which HERALD_ENCRYPTION_KEY does not hold (it holds "k1")'],
      [k2Impostor, 'does not decrypt with key "k2" of HERALD_ENCRYPTION_KEY'],
    ] as const) {
      await phase(keys);
      const before = rx.arrivals.length;
      const out = await deliver(['failed']);
      for (const { delivery } of Object.values(out)) {
        expect(delivery.reason).toContain(message);
        expect(delivery.attemptRecords).toHaveLength(1);
        expect(delivery.attemptRecords[0]!.error).toMatchObject({ kind: 'invalid' });
      }
      expect(rx.arrivals.length).toBe(before);
      await expect(t.api.webhooks.getSecret.query({ id: hooks.sealed!.id })).rejects.toThrow(message);
    }
  });

  it('re-encrypts a clear row once a key is turned on, and the re-encrypt refuses to run without a key', async () => {
    await phase('');
    const w = await createHook('later');
    expect((await stored(w.id)).secret).toBe(w.secret);
    const keyring = parseKeyring(k2);
    if (!keyring.ok) throw new Error('bad test key');
    await expect(reencryptSecrets(h.db, [])).rejects.toThrow('HERALD_ENCRYPTION_KEY is unset');
    const report = await reencryptSecrets(h.db, keyring.keyring, { batchSize: 1 });
    expect(report).toMatchObject({ scanned: 3, reencrypted: 1, failed: [] });
    expect((await stored(w.id)).secret).toMatch(/^enc:v1:k2:/);
    await phase(k2);
    const out = await deliver();
    for (const [name, hook] of Object.entries(hooks)) expect(verifies(out[name]!.arrival, hook.secret)).toMatchObject({ type: t.type });
  });

  it('checks at start which keys the stored secrets need: names missing keys, values under an old key, and an unset key in production', async () => {
    const keys = (v: string) => {
      const r = parseKeyring(v);
      if (!r.ok) throw new Error('bad test key');
      return r.keyring;
    };
    const check = async (keyring: ReturnType<typeof keys>, production: boolean) => {
      const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
      const log = Object.fromEntries(
        ['debug', 'info', 'warn', 'error'].map((level) => [
          level,
          (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, fields }),
        ]),
      ) as unknown as Logger;
      const usage = await checkSecretKeys(h.db, keyring, log, { production });
      return { usage, lines };
    };
    // Every value is under k2 now: clear's, later's, sealed's current and two previous secrets.
    const ok = await check(keys(k2), true);
    expect(ok.usage).toEqual([{ keyId: 'k2', values: 5 }]);
    expect(ok.lines).toEqual([]);
    const missing = await check(keys(k1), true);
    expect(missing.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: expect.stringContaining('HERALD_ENCRYPTION_KEY does not hold'),
        fields: { missingKeys: ['k2'], values: 5 },
      }),
    ]);
    const stale = await check(keys(`${k1},${k2}`), true);
    expect(stale.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringContaining('npm run admin -- secrets reencrypt'),
        fields: { currentKey: 'k1', byKey: { k2: 5 } },
      }),
    ]);
    const unset = await check([], true);
    expect(unset.lines.map((l) => l.level)).toEqual(['error', 'warn']);
    expect(unset.lines[1]!.msg).toContain('HERALD_ENCRYPTION_KEY is unset');
    expect((await check([], false)).lines.map((l) => l.level)).toEqual(['error']);
  });
});
