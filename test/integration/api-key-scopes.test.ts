import { TRPCError } from '@trpc/server';
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.js';
import { newId } from '../../src/services/ids.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { generateApiKey } from '../../src/security/api-keys.js';
import { createHarness, type Harness } from '../support/harness.js';
import { isOperationalEventType } from '../../src/catalogs/operational-events.js';

/** 'OK', or the tRPC code and message of the refusal. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof TRPCError) return `${err.code}: ${err.message}`;
    throw err;
  }
}
const codeOf = async (p: Promise<unknown>) => (await outcome(p)).split(':')[0];

describe('API key scopes', () => {
  let h: Harness;
  let admin: ReturnType<Harness['caller']>;
  let adminKey: string;
  let publishKey: string;
  let readKey: string;
  let webhookId: string;
  let keyId: string;

  beforeAll(async () => {
    h = await createHarness({ worker: false });
    const team = await h.createTeam();
    adminKey = team.key;
    admin = h.caller(team.key);
    await admin.eventTypes.create({ name: 'order.paid', description: '' });
    // Inactive: publishing fans out to nobody, so no worker is needed.
    webhookId = (await admin.webhooks.create({ name: 'w', url: 'http://127.0.0.1:9/w', eventTypes: ['order.paid'], active: false })).id;
    const p = await admin.apiKeys.create({ name: 'app-server', scope: 'publish' });
    const r = await admin.apiKeys.create({ name: 'dashboard', scope: 'read' });
    expect([p.scope, r.scope]).toEqual(['publish', 'read']);
    publishKey = p.key;
    readKey = r.key;
    keyId = r.id;
  });
  afterAll(async () => h?.close());

  it('a publish key can publish', async () => {
    const e = await h.caller(publishKey).events.publish({ type: 'order.paid', data: { n: 1 } });
    expect(e.type).toBe('order.paid');
  });

  it.each([
    ['webhooks.getSecret', (c: ReturnType<Harness['caller']>) => c.webhooks.getSecret({ id: webhookId }), "scope 'admin'"],
    ['apiKeys.create', (c: ReturnType<Harness['caller']>) => c.apiKeys.create({ name: 'minted' }), "scope 'admin'"],
    ['webhooks.list', (c: ReturnType<Harness['caller']>) => c.webhooks.list(), "scope 'read' or 'admin'"],
    ['events.list', (c: ReturnType<Harness['caller']>) => c.events.list(), "scope 'read' or 'admin'"],
  ])('a publish key gets FORBIDDEN on %s, naming the scope needed', async (name, call, needed) => {
    expect(await outcome(call(h.caller(publishKey)))).toBe(
      `FORBIDDEN: ${name} needs an API key with ${needed}; this key's scope is 'publish'`,
    );
  });

  it('a read key sees the values of sensitive receiver headers masked; an admin key sees them in full', async () => {
    const headers = {
      Authorization: 'Bearer receiver-secret',
      'X-Api-Key': 'k-123',
      'X-Shopify-Access-Token': 't-456',
      'X-Client-Secret': 'cDpx',
      'X-Tenant': 'acme',
    };
    const hook = await admin.webhooks.create({
      name: 'creds',
      url: 'http://127.0.0.1:9/creds',
      eventTypes: ['order.paid'],
      active: false,
      headers,
    });
    try {
      const masked = {
        Authorization: '***',
        'X-Api-Key': '***',
        'X-Shopify-Access-Token': '***',
        'X-Client-Secret': '***',
        'X-Tenant': 'acme',
      };
      const reader = h.caller(readKey);
      const got = await reader.webhooks.get({ id: hook.id });
      expect(got.headers).toEqual(masked);
      const listed = (await reader.webhooks.list()).data.find((w) => w.id === hook.id)!;
      expect(listed.headers).toEqual(masked);
      expect(JSON.stringify(await reader.webhooks.list())).not.toMatch(/receiver-secret|k-123|t-456|cDpx/);
      // Over HTTP (REST) too: the same procedure answers.
      const rest = await fetch(`${h.apiUrl}/v1/webhooks/${hook.id}`, { headers: { authorization: `Bearer ${readKey}` } });
      expect(((await rest.json()) as { headers: Record<string, string> }).headers).toEqual(masked);
      expect((await admin.webhooks.get({ id: hook.id })).headers).toEqual(headers);
    } finally {
      await admin.webhooks.delete({ id: hook.id });
    }
  });

  it('a read key can get and list', async () => {
    const c = h.caller(readKey);
    expect((await c.webhooks.list()).data.map((w) => w.id)).toEqual([webhookId]);
    expect((await c.webhooks.get({ id: webhookId })).id).toBe(webhookId);
    expect((await c.eventTypes.list()).data.map((t) => t.name).filter((n) => !isOperationalEventType(n))).toEqual(['order.paid']);
    expect((await c.events.list()).data).toHaveLength(1);
    expect((await c.deliveries.list()).data).toEqual([]);
    expect((await c.projects.list()).data).toEqual([]);
    expect((await c.apiKeys.list()).data.map((k) => k.scope)).toEqual(['admin', 'publish', 'read']);
  });

  it.each([
    ['events.publish', (c: ReturnType<Harness['caller']>) => c.events.publish({ type: 'order.paid', data: {} })],
    ['webhooks.getSecret', (c: ReturnType<Harness['caller']>) => c.webhooks.getSecret({ id: webhookId })],
    ['webhooks.rotateSecret', (c: ReturnType<Harness['caller']>) => c.webhooks.rotateSecret({ id: webhookId })],
    ['webhooks.update', (c: ReturnType<Harness['caller']>) => c.webhooks.update({ id: webhookId, name: 'renamed' })],
    ['webhooks.enable', (c: ReturnType<Harness['caller']>) => c.webhooks.enable({ id: webhookId })],
    ['webhooks.delete', (c: ReturnType<Harness['caller']>) => c.webhooks.delete({ id: webhookId })],
    ['eventTypes.create', (c: ReturnType<Harness['caller']>) => c.eventTypes.create({ name: 'x.y', description: '' })],
    ['projects.create', (c: ReturnType<Harness['caller']>) => c.projects.create({ name: 'p' })],
    ['apiKeys.create', (c: ReturnType<Harness['caller']>) => c.apiKeys.create({ name: 'k', scope: 'read' })],
    ['apiKeys.revoke', (c: ReturnType<Harness['caller']>) => c.apiKeys.revoke({ id: keyId })],
  ])('a read key gets FORBIDDEN on %s', async (_name, call) => {
    expect(await codeOf(call(h.caller(readKey)))).toBe('FORBIDDEN');
  });

  it('a refusal is HTTP 403', async () => {
    const res = await fetch(`${h.apiUrl}/trpc/webhooks.getSecret?input=${encodeURIComponent(JSON.stringify({ id: webhookId }))}`, {
      headers: { authorization: `Bearer ${publishKey}` },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("needs an API key with scope 'admin'");
  });

  it('an admin key can do all of it, and creates admin keys by default', async () => {
    expect((await admin.webhooks.getSecret({ id: webhookId })).secret).toMatch(/^whsec_/);
    expect(await codeOf(admin.webhooks.rotateSecret({ id: webhookId }))).toBe('OK');
    expect(await codeOf(admin.events.publish({ type: 'order.paid', data: {} }))).toBe('OK');
    expect(await codeOf(admin.webhooks.list())).toBe('OK');
    const k = await admin.apiKeys.create({ name: 'plain' });
    expect(k.scope).toBe('admin');
    expect(await codeOf(h.caller(k.key).apiKeys.revoke({ id: keyId }))).toBe('OK');
    expect(await codeOf(h.caller(readKey).webhooks.list())).toBe('UNAUTHORIZED');
  });

  it('rejects an unknown scope with 400 naming the field', async () => {
    const res = await fetch(`${h.apiUrl}/trpc/apiKeys.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'k', scope: 'root' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("scope: must be 'admin', 'publish' or 'read'");
  });
});

describe('keys that predate scopes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => h?.close());

  it('become admin when the migration adds the column', async () => {
    const migrator = new Migrator({ db: h.db, provider: { getMigrations: async () => migrations } });
    const down = await migrator.migrateTo('2026-11-27T120000_delivery_reconcile');
    expect(down.error).toBeUndefined();
    const teamId = newId('team');
    const { key, prefix, hash } = generateApiKey();
    await h.db.insertInto('teams').values({ id: teamId, name: 'old', max_active_webhooks: null, created_at: new Date() }).execute();
    // As the code before scopes wrote it: no scope column at all.
    await h.db
      .insertInto('api_keys')
      .values({ id: newId('key'), team_id: teamId, name: 'old', prefix, key_hash: hash, created_at: new Date() })
      .execute();
    expect(await migrateToLatest(h.db)).toContain('2026-11-28T100000_api_key_scopes');
    const old = h.caller(key);
    expect((await old.apiKeys.list()).data.map((k) => k.scope)).toEqual(['admin']);
    expect((await old.apiKeys.create({ name: 'minted' })).scope).toBe('admin');
  });
});
