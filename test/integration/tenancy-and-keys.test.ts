import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { hashApiKey } from '../../src/security/api-keys.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
}

describe('tenancy: one team never sees another team’s data', () => {
  let h: Harness;
  let a: ReturnType<Harness['caller']>;
  let b: ReturnType<Harness['caller']>;
  let ids: { webhook: string; project: string; event: string; delivery: string; key: string; recovery: string };

  beforeAll(async () => {
    h = await createHarness({ worker: false });
    const teamA = await h.createTeam();
    const teamB = await h.createTeam();
    a = h.caller(teamA.key);
    b = h.caller(teamB.key);
    await a.eventTypes.create({ name: 'video.media.ready', description: '' });
    await b.eventTypes.create({ name: 'video.media.ready', description: '' });
    const project = await a.projects.create({ name: 'a-project' });
    const webhook = await a.webhooks.create({ name: 'a', url: 'http://127.0.0.1:9/a', eventTypes: ['video.media.ready'], active: false });
    const key = await a.apiKeys.create({ name: 'second' });
    await h.db
      .insertInto('events')
      .values({ team_id: webhook.teamId, id: 'evt_a1', type: 'video.media.ready', project_id: null, data: '{}', created_at: new Date() })
      .execute();
    const delivery = `delivery:evt_a1:${webhook.id}`;
    await h.db
      .insertInto('deliveries')
      .values({
        id: delivery,
        team_id: webhook.teamId,
        event_id: 'evt_a1',
        webhook_id: webhook.id,
        event_type: 'video.media.ready',
        status: 'failed',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
    // No worker here: the recovery stays running, which is enough to have an id to read.
    const recovery = await a.deliveries.recover({ webhookId: webhook.id, since: '2020-01-01T00:00:00Z' });
    ids = { webhook: webhook.id, project: project.id, event: 'evt_a1', delivery, key: key.id, recovery: recovery.recoveryId };
  });
  afterAll(async () => h?.close());

  it.each([
    ['webhooks.get', () => b.webhooks.get({ id: ids.webhook })],
    ['webhooks.update', () => b.webhooks.update({ id: ids.webhook, name: 'pwned' })],
    ['webhooks.enable', () => b.webhooks.enable({ id: ids.webhook })],
    ['webhooks.delete', () => b.webhooks.delete({ id: ids.webhook })],
    ['webhooks.getSecret', () => b.webhooks.getSecret({ id: ids.webhook })],
    ['webhooks.rotateSecret', () => b.webhooks.rotateSecret({ id: ids.webhook })],
    ['webhooks.test', () => b.webhooks.test({ id: ids.webhook })],
    [
      'webhooks.create in a foreign project',
      () => b.webhooks.create({ name: 'b', url: 'http://127.0.0.1:9/b', eventTypes: ['video.media.ready'], projectId: ids.project }),
    ],
    ['projects.delete', () => b.projects.delete({ id: ids.project })],
    ['apiKeys.revoke', () => b.apiKeys.revoke({ id: ids.key })],
    ['events.get', () => b.events.get({ id: ids.event })],
    ['deliveries.get', () => b.deliveries.get({ id: ids.delivery })],
    ['deliveries.cancel', () => b.deliveries.cancel({ id: ids.delivery })],
    ['deliveries.retryNow', () => b.deliveries.retryNow({ id: ids.delivery })],
    ['deliveries.replay', () => b.deliveries.replay({ id: ids.delivery })],
    ['deliveries.recover', () => b.deliveries.recover({ webhookId: ids.webhook, since: '2020-01-01T00:00:00Z' })],
    ['deliveries.recoveryStatus', () => b.deliveries.recoveryStatus({ id: ids.recovery })],
    ['eventTypes.update', () => b.eventTypes.update({ name: 'nope.never', description: 'x' })],
  ])('%s on another team’s object is NOT_FOUND, like a missing one', async (_name, call) => {
    expect(await codeOf(call())).toBe('NOT_FOUND');
  });

  it('lists never include another team’s objects', async () => {
    expect((await b.webhooks.list()).data).toEqual([]);
    expect((await b.projects.list()).data).toEqual([]);
    expect((await b.events.list()).data).toEqual([]);
    expect((await b.deliveries.list()).data).toEqual([]);
    expect((await b.apiKeys.list()).data).toHaveLength(1);
    expect((await a.webhooks.get({ id: ids.webhook })).name).toBe('a');
  });
});

describe('API keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => h?.close());

  it('rejects a missing or unknown key with UNAUTHORIZED', async () => {
    expect(await codeOf(h.caller().webhooks.list())).toBe('UNAUTHORIZED');
    expect(await codeOf(h.caller('hk_deadbeef_nope').webhooks.list())).toBe('UNAUTHORIZED');
    const res = await fetch(`${h.apiUrl}/trpc/webhooks.list`);
    expect(res.status).toBe(401);
  });

  it('stores only a hash and a visible prefix, and records last use', async () => {
    const { key, teamId } = await h.createTeam();
    await h.caller(key).webhooks.list();
    const rows = await h.db.selectFrom('api_keys').selectAll().where('team_id', '=', teamId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(key.startsWith(`${rows[0]!.prefix}_`)).toBe(true);
    expect(rows[0]!.last_used_at).not.toBeNull();
  });

  it('fails a revoked key at once, over HTTP too', async () => {
    const { key } = await h.createTeam();
    const api = h.client(key);
    const second = await api.apiKeys.create.mutate({ name: 'temp' });
    expect((await h.client(second.key).webhooks.list.query()).data).toEqual([]);
    await api.apiKeys.revoke.mutate({ id: second.id });
    const res = await fetch(`${h.apiUrl}/trpc/webhooks.list`, { headers: { authorization: `Bearer ${second.key}` } });
    expect(res.status).toBe(401);
    expect((await api.apiKeys.list.query()).data.find((k) => k.id === second.id)?.revokedAt).not.toBeNull();
  });
});
