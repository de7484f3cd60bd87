import { randomBytes } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { Migrator, sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Arrival, type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

/** True when the arrival's `webhook-signature` header holds a valid signature made with `secret`. */
function signsWith(arrival: Arrival, secret: string): boolean {
  try {
    new Webhook(secret).verify(arrival.body, arrival.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

const signatureCount = (a: Arrival) => String(a.headers['webhook-signature']).split(' ').length;

describe('signing secret rotation: several previous secrets, each with its own grace period', () => {
  let h: Harness;
  let rx: Receiver;
  let t: Awaited<ReturnType<typeof teamWithType>>;

  beforeAll(async () => {
    h = await createHarness();
    rx = await startReceiver();
    t = await teamWithType(h);
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  async function createHook(name: string) {
    return t.api.webhooks.create.mutate({ name, url: `${rx.url}/${name}`, eventTypes: [t.type], rateLimitPerSecond: 100 });
  }

  /** Publishes one event to every webhook of the team; returns what `hookId` received. */
  async function deliver(hookId: string, name: string): Promise<Arrival> {
    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: randomBytes(4).toString('hex') } });
    await waitForDelivery(t.api, deliveryIdOf(e.id, hookId), ['succeeded'], 30_000);
    return waitFor(() => rx.arrivals.find((a) => a.path === `/hook/${name}` && a.body.includes(e.id)), 10_000, 'the arrival');
  }

  const rotate = (id: string, gracePeriodSeconds?: number) =>
    t.api.webhooks.rotateSecret.mutate(gracePeriodSeconds === undefined ? { id } : { id, gracePeriodSeconds });

  it('signs a delivery after three rotations with the first, second and third secret as well as the current one', async () => {
    const w = await createHook('three');
    const handed = [w.secret];
    for (let i = 0; i < 3; i++) handed.push((await rotate(w.id)).secret);
    const arrival = await deliver(w.id, 'three');
    expect(signatureCount(arrival)).toBe(4);
    for (const [i, s] of handed.entries()) expect(signsWith(arrival, s), `secret #${i} signs`).toBe(true);
    const listed = await t.api.webhooks.getSecret.query({ id: w.id });
    expect(listed.secret).toBe(handed[3]);
    expect(listed.previousSecrets.map((p) => p.secret)).toEqual([handed[2], handed[1], handed[0]]);
  });

  it('stops signing with a previous secret once its own grace period ends, while a later one with a longer grace keeps signing', async () => {
    const w = await createHook('expiry');
    const before = Date.now();
    const first = await rotate(w.id, 15);
    const firstExpires = Date.parse(first.previousSecretExpiresAt);
    expect(firstExpires - before).toBeGreaterThanOrEqual(14_000);
    expect(firstExpires - before).toBeLessThanOrEqual(16_000);
    const second = await rotate(w.id);
    expect(Date.parse(second.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);

    const within = await deliver(w.id, 'expiry');
    expect(within.at, 'delivered within the 15 s grace period').toBeLessThan(firstExpires);
    for (const s of [w.secret, first.secret, second.secret]) expect(signsWith(within, s)).toBe(true);

    await waitFor(() => Date.now() > firstExpires + 500, 30_000, 'the first grace period to end');
    const after = await deliver(w.id, 'expiry');
    expect(signatureCount(after)).toBe(2);
    expect(signsWith(after, w.secret)).toBe(false);
    expect(signsWith(after, first.secret)).toBe(true);
    expect(signsWith(after, second.secret)).toBe(true);
    expect((await t.api.webhooks.getSecret.query({ id: w.id })).previousSecrets.map((p) => p.secret)).toEqual([first.secret]);
  });

  it('hands out only secrets that sign: after each of 5 pairs of concurrent rotations both secrets verify the next delivery', async () => {
    const w = await createHook('race');
    for (let pair = 0; pair < 5; pair++) {
      const [a, b] = await Promise.all([rotate(w.id), rotate(w.id)]);
      const arrival = await deliver(w.id, 'race');
      expect(signsWith(arrival, a.secret), `pair ${pair}: first caller's secret signs`).toBe(true);
      expect(signsWith(arrival, b.secret), `pair ${pair}: second caller's secret signs`).toBe(true);
      const current = (await t.api.webhooks.getSecret.query({ id: w.id })).secret;
      expect([a.secret, b.secret]).toContain(current);
    }
  });

  it('keeps at most 5 previous secrets: a 6th rotation drops the oldest', async () => {
    const w = await createHook('six');
    const handed = [w.secret];
    for (let i = 0; i < 6; i++) handed.push((await rotate(w.id)).secret);
    const arrival = await deliver(w.id, 'six');
    expect(signatureCount(arrival)).toBe(6);
    expect(signsWith(arrival, handed[0]!), 'the original secret no longer signs').toBe(false);
    for (let i = 1; i <= 6; i++) expect(signsWith(arrival, handed[i]!), `secret #${i} signs`).toBe(true);
    expect((await t.api.webhooks.getSecret.query({ id: w.id })).previousSecrets).toHaveLength(5);
  });

  it.each([
    [-1, 'gracePeriodSeconds: must be an integer from 0 to 2592000 (30 days)'],
    [2_592_001, 'gracePeriodSeconds: must be an integer from 0 to 2592000 (30 days)'],
    [1.5, 'gracePeriodSeconds: must be an integer from 0 to 2592000 (30 days)'],
  ])('refuses gracePeriodSeconds %s with BAD_REQUEST naming the field and the rule', async (value, message) => {
    const w = await createHook(`bad${String(value).replace(/\W/g, '')}`);
    const err: unknown = await rotate(w.id, value).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof TRPCClientError)) throw new Error(`expected a TRPCClientError, got ${String(err)}`);
    expect(err.data?.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(message);
    expect((await t.api.webhooks.getSecret.query({ id: w.id })).secret).toBe(w.secret);
  });

  it('refuses a bad gracePeriodSeconds over REST with 400 naming the field', async () => {
    const w = await createHook('rest');
    const res = await fetch(`${h.apiUrl}/v1/webhooks/${w.id}/rotate-secret`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'application/json' },
      body: JSON.stringify({ gracePeriodSeconds: 'soon' }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('gracePeriodSeconds');
  });
});

describe('webhooks rotated before several previous secrets existed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => h?.close());

  it('keep their one previous secret and its expiry through the migration', async () => {
    const t = await teamWithType(h);
    const w = await t.api.webhooks.create.mutate({ name: 'old', url: 'http://127.0.0.1:9/x', eventTypes: [t.type], active: false });
    const migrator = new Migrator({ db: h.db, provider: { getMigrations: async () => migrations } });
    const down = await migrator.migrateTo('2026-12-02T100000_delivery_reason_code');
    expect(down.error).toBeUndefined();
    // As the code before this change rotated: the single previous secret and its expiry.
    const old = `whsec_${randomBytes(32).toString('base64')}`;
    const expires = new Date(Date.now() + 3_600_000);
    await sql`update webhooks set previous_secret = ${old}, previous_secret_expires_at = ${expires} where id = ${w.id}`.execute(h.db);
    expect(await migrateToLatest(h.db)).toContain('2026-12-03T110000_webhook_previous_secrets');
    const s = await t.api.webhooks.getSecret.query({ id: w.id });
    expect(s).toMatchObject({ secret: w.secret, previousSecret: old, previousSecretExpiresAt: expires.toISOString() });
    expect(s.previousSecrets).toEqual([{ secret: old, expiresAt: expires.toISOString() }]);
  });
});
