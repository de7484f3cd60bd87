import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUSES } from '../../src/api/rest/openapi-document.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { restClient } from '../support/rest-contract-client.js';

/**
 * The REST surface against a real Herald API on loopback: every operation of the OpenAPI
 * document is called once from a real HTTP client, and every answer (successes and errors) is
 * checked against the document's status codes and schemas (test/support/rest-contract-client.ts).
 */
const AUTH_FAIL_LIMIT = 4;

describe('REST API contract', () => {
  let h: Harness;
  let ok: Receiver;
  let failing: Receiver;
  let key: string;
  let teamId: string;
  let rest: ReturnType<typeof restClient>;
  const ids = {} as { readKey: string; project: string; webhook: string; flaky: string };

  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_AUTH_FAIL_LIMIT_PER_MINUTE: String(AUTH_FAIL_LIMIT) } });
    ok = await startReceiver();
    failing = await startReceiver(() => ({ status: 500, body: 'down' }));
    ({ key, teamId } = await h.createTeam());
    rest = restClient(h.apiUrl);
  });
  afterAll(async () => {
    await ok?.close();
    await failing?.close();
    await h?.close();
  });

  it('answers health without a key', async () => {
    const r = await rest.call('GET', '/v1/health');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
  });

  it('creates, lists and revokes API keys', async () => {
    const read = await rest.call('POST', '/v1/api-keys', { key, body: { name: 'reader', scope: 'read' } });
    expect(read.status).toBe(201);
    expect(read.body.key).toMatch(/\S{20,}/);
    ids.readKey = read.body.key;
    const spare = await rest.call('POST', '/v1/api-keys', { key, body: { name: 'spare' } });
    const revoked = await rest.call('POST', '/v1/api-keys/{id}/revoke', { key, params: { id: spare.body.id } });
    expect(revoked.body).toEqual({ id: spare.body.id, revoked: true });
    const list = await rest.call('GET', '/v1/api-keys', { key });
    expect(list.body.data.find((k: { id: string }) => k.id === spare.body.id).revokedAt).not.toBeNull();
  });

  it('creates, lists and deletes projects', async () => {
    const studio = await rest.call('POST', '/v1/projects', { key, body: { name: 'studio' } });
    expect(studio.status).toBe(201);
    ids.project = studio.body.id;
    const spare = await rest.call('POST', '/v1/projects', { key, body: { name: 'spare' } });
    expect((await rest.call('GET', '/v1/projects', { key })).body.data).toHaveLength(2);
    expect((await rest.call('DELETE', '/v1/projects/{id}', { key, params: { id: spare.body.id } })).body).toEqual({
      id: spare.body.id,
      deleted: true,
    });
  });

  it('reads and updates a project as a consumer, and opens and revokes its portal sessions', async () => {
    const updated = await rest.call('PATCH', '/v1/projects/{id}', { key, params: { id: ids.project }, body: { uid: 'cust_studio' } });
    expect(updated.body).toMatchObject({ id: ids.project, name: 'studio', uid: 'cust_studio' });
    expect((await rest.call('GET', '/v1/projects/{id}', { key, params: { id: ids.project } })).body.uid).toBe('cust_studio');
    const session = await rest.call('POST', '/v1/portal/sessions', { key, body: { uid: 'cust_studio', ttlSeconds: 120 } });
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ projectId: ids.project, permissions: 'read' });
    const framed = await rest.call('POST', '/v1/portal/frame-ancestors', { key, body: { origins: ['https://app.example.com'] } });
    expect(framed.body).toEqual({ origins: ['https://app.example.com'] });
    const revoked = await rest.call('POST', '/v1/portal/sessions/revoke', { key, body: { projectId: ids.project } });
    expect(revoked.body).toEqual({ projectId: ids.project, revoked: 1 });
  });

  it('manages event types', async () => {
    const created = await rest.call('POST', '/v1/event-types', {
      key,
      body: { name: 'order.paid', schema: { type: 'object', required: ['amount'] } },
    });
    expect(created.status).toBe(201);
    const updated = await rest.call('PATCH', '/v1/event-types/{name}', {
      key,
      params: { name: 'order.paid' },
      body: { description: 'An order was paid' },
    });
    expect(updated.body.description).toBe('An order was paid');
    const imported = await rest.call('POST', '/v1/event-types/import', { key, body: { catalog: 'fastpix' } });
    expect(imported.body.added).toBeGreaterThan(0);
    const archived = await rest.call('POST', '/v1/event-types/{name}/archive', { key, params: { name: imported.body.names[0] } });
    expect(archived.body.archived).toBe(true);
    const catalogs = await rest.call('GET', '/v1/event-types/catalogs', { key });
    expect(catalogs.body.map((c: { id: string }) => c.id)).toContain('fastpix');
    const active = await rest.call('GET', '/v1/event-types', { key });
    const all = await rest.call('GET', '/v1/event-types', { key, query: { includeArchived: 'true' } });
    expect(all.body.data.length).toBe(active.body.data.length + 1);
  });

  it('creates, reads, lists, updates and rotates webhooks', async () => {
    const created = await rest.call('POST', '/v1/webhooks', {
      key,
      body: {
        name: 'orders',
        url: ok.url,
        eventTypes: ['order.paid'],
        retryPolicy: { kind: 'attempts', maxAttempts: 2, intervalSeconds: 1 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.maxInFlight).toBeNull();
    ids.webhook = created.body.id;
    const flaky = await rest.call('POST', '/v1/webhooks', {
      key,
      body: {
        name: 'flaky',
        url: failing.url,
        eventTypes: ['order.paid'],
        retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 3600 },
      },
    });
    ids.flaky = flaky.body.id;
    // Inactive, in the project (so the project cannot be deleted), and left out of `active=true`.
    await rest.call('POST', '/v1/webhooks', {
      key,
      body: { name: 'in project', url: ok.url, eventTypes: ['order.paid'], projectId: ids.project, active: false },
    });
    const page = await rest.call('GET', '/v1/webhooks', { key, query: { page: '1', pageSize: '1', active: 'true' } });
    expect(page.body.pagination).toEqual({ currentPage: 1, pageSize: 1, pagesTotal: 2, itemsTotal: 2 });
    const got = await rest.call('GET', '/v1/webhooks/{id}', { key, params: { id: ids.webhook } });
    expect(got.body).toMatchObject({ id: ids.webhook, queueLength: 0, latestRun: null });
    const patched = await rest.call('PATCH', '/v1/webhooks/{id}', {
      key,
      params: { id: ids.webhook },
      body: { description: 'order updates', maxInFlight: 4 },
    });
    expect(patched.body).toMatchObject({ description: 'order updates', name: 'orders', maxInFlight: 4 });
    const rotated = await rest.call('POST', '/v1/webhooks/{id}/rotate-secret', { key, params: { id: ids.webhook } });
    const secret = await rest.call('GET', '/v1/webhooks/{id}/secret', { key, params: { id: ids.webhook } });
    expect(secret.body).toMatchObject({ secret: rotated.body.secret, previousSecret: created.body.secret });
    const parked = await rest.call('POST', '/v1/webhooks', {
      key,
      body: { name: 'parked', url: ok.url, eventTypes: ['order.paid'], active: false },
    });
    const enabled = await rest.call('POST', '/v1/webhooks/{id}/enable', { key, params: { id: parked.body.id }, body: {} });
    expect(enabled.body).toMatchObject({
      id: parked.body.id,
      active: true,
      recovered: null,
      health: { consecutiveFailures: 0, disabledSince: null },
    });
    await rest.call('DELETE', '/v1/webhooks/{id}', { key, params: { id: parked.body.id } });
  });

  it('publishes an event whose data arrives byte for byte, and lists and reads it', async () => {
    const data = '{ "amount": 1.0, "big": 12345678901234567890123 }';
    const published = await rest.call('POST', '/v1/events', { key, rawBody: `{"type":"order.paid","id":"order-1","data":${data}}` });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ id: 'order-1', duplicate: false });
    const arrival = await waitFor(() => ok.arrivals[0], 20_000, 'delivery');
    expect(arrival.body).toContain(`"data":${data}}`);
    const again = await rest.call('POST', '/v1/events', { key, body: { type: 'order.paid', id: 'order-1', data: { amount: 2 } } });
    expect(again.body.duplicate).toBe(true);
    expect((await rest.call('GET', '/v1/events/{id}', { key, params: { id: 'order-1' } })).body.id).toBe('order-1');
    const list = await rest.call('GET', '/v1/events', { key, query: { pageSize: '1' } });
    expect(list.body).toMatchObject({ data: [{ id: 'order-1' }], nextCursor: null });
  });

  it('lists, reads and replays deliveries', async () => {
    const id = `delivery:order-1:${ids.webhook}`;
    const done = await waitFor(async () => {
      const r = await rest.call('GET', '/v1/deliveries/{id}', { key, params: { id } });
      return r.body.status === 'succeeded' ? r : undefined;
    });
    expect(done.body.attemptRecords).toHaveLength(1);
    const list = await rest.call('GET', '/v1/deliveries', { key, query: { webhookId: ids.webhook, status: 'succeeded' } });
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([id]);
    const replayed = await rest.call('POST', '/v1/deliveries/{id}/replay', { key, params: { id } });
    expect(replayed.body).toEqual({ id, replayed: true });
    await waitFor(() => ok.arrivals[1], 20_000, 'replayed delivery');
  });

  it('retries and cancels a running delivery, and recovers a webhook', async () => {
    const id = `delivery:order-1:${ids.flaky}`;
    await waitFor(
      async () => (await rest.call('GET', '/v1/deliveries/{id}', { key, params: { id } })).body.status === 'retrying',
      20_000,
      'first failed attempt',
    );
    const retried = await rest.call('POST', '/v1/deliveries/{id}/retry', { key, params: { id } });
    expect(retried.body).toEqual({ id, signalled: true });
    await waitFor(() => failing.arrivals[1], 20_000, 'second attempt');
    const cancelled = await rest.call('POST', '/v1/deliveries/{id}/cancel', { key, params: { id }, body: { reason: 'receiver retired' } });
    expect(cancelled.body).toEqual({ id, signalled: true });
    const final = await waitFor(async () => {
      const r = await rest.call('GET', '/v1/deliveries/{id}', { key, params: { id } });
      return r.body.status === 'cancelled' ? r : undefined;
    });
    expect(final.body.reason).toContain('receiver retired');
    const recovered = await rest.call('POST', '/v1/webhooks/{webhookId}/recover', {
      key,
      params: { webhookId: ids.webhook },
      body: { since: new Date(Date.now() - 3_600_000).toISOString() },
    });
    const recoveryId = `recover:${teamId}:${ids.webhook}`;
    expect(recovered.body).toMatchObject({ recoveryId, workflowId: recoveryId, webhookId: ids.webhook, started: true, matched: 0 });
    const progress = await waitFor(async () => {
      const r = await rest.call('GET', '/v1/recoveries/{id}', { key, params: { id: recoveryId } });
      return r.body.done ? r : undefined;
    });
    expect(progress.body).toMatchObject({ recoveryId, state: 'done', done: true, matched: 0, replayed: 0, skipped: 0 });
  });

  it('dry-runs a filter on a sample event', async () => {
    const r = await rest.call('POST', '/v1/webhooks/filter-preview', {
      key,
      body: { filter: { 'data.n': { $gte: 2 } }, type: 'video.encoded', data: { n: 2 } },
    });
    expect(r.body).toEqual({ matches: true, filter: { 'data.n': { $gte: 2 } } });
  });

  it('dry-runs a transformation on a sample event', async () => {
    const r = await rest.call('POST', '/v1/webhooks/transformation-preview', {
      key,
      body: { transformation: '(e) => ({ body: String(e.data.n * 2) })', type: 'video.encoded', data: { n: 2 } },
    });
    expect(r.body).toMatchObject({ version: null, result: { kind: 'ok', body: '4' } });
  });

  it('sends a test ping and deletes a webhook', async () => {
    const ping = await rest.call('POST', '/v1/webhooks/{id}/test', { key, params: { id: ids.webhook } });
    expect(ping.body.deliveryId).toBe(`delivery:${ping.body.eventId}:${ids.webhook}`);
    await waitFor(() => ok.arrivals.find((a) => a.body.includes('"type":"webhook.test"')), 20_000, 'ping');
    expect((await rest.call('DELETE', '/v1/webhooks/{id}', { key, params: { id: ids.flaky } })).body).toEqual({
      id: ids.flaky,
      deleted: true,
    });
  });

  it("erases an event's payload", async () => {
    const r = await rest.call('DELETE', '/v1/events/{id}/payload', { key, params: { id: 'order-1' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'order-1', data: null, cancelledDeliveries: 0 });
    expect((await rest.call('GET', '/v1/events/{id}', { key, params: { id: 'order-1' } })).body.data).toBeNull();
  });

  describe('errors', () => {
    const expectError = (r: { status: number; body: any }, code: keyof typeof ERROR_STATUSES) => {
      expect(r.body.error.code).toBe(code);
      expect(r.status).toBe(ERROR_STATUSES[code]);
      expect(r.body.error.httpStatus).toBe(r.status);
    };

    it('answers 400 naming the field and the rule, with the same message and code as tRPC', async () => {
      const input = { name: 'bad', url: ok.url, eventTypes: ['order.paid'], rateLimitPerSecond: 0 };
      const r = await rest.call('POST', '/v1/webhooks', { key, body: input });
      expectError(r, 'BAD_REQUEST');
      expect(r.body.error.message).toBe('rateLimitPerSecond: must be 1–1000');
      expect(r.body.error.issues[0].path).toEqual(['rateLimitPerSecond']);
      const trpc = await fetch(`${h.apiUrl}/trpc/webhooks.create`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const trpcBody = (await trpc.json()) as { error: { message: string; data: { code: string; httpStatus: number } } };
      expect([trpc.status, trpcBody.error.data.code, trpcBody.error.message]).toEqual([r.status, r.body.error.code, r.body.error.message]);
    });

    it('answers 400 for a rule checked in the handler, an unknown query parameter and a body that is not JSON', async () => {
      const unknownType = await rest.call('POST', '/v1/webhooks', { key, body: { name: 'bad', url: ok.url, eventTypes: ['video.nope'] } });
      expectError(unknownType, 'BAD_REQUEST');
      expect(unknownType.body.error.message).toBe('eventTypes: unknown event types: video.nope');
      const typo = await rest.call('GET', '/v1/webhooks', { key, query: { pagesize: '5' } });
      expectError(typo, 'BAD_REQUEST');
      expect(typo.body.error.message).toContain('"pagesize": unknown query parameter');
      const notNumber = await rest.call('GET', '/v1/webhooks', { key, query: { pageSize: 'ten' } });
      expect(notNumber.body.error.message).toMatch(/^pageSize: /);
      const notJson = await rest.call('POST', '/v1/events', { key, rawBody: '{"type":' });
      expectError(notJson, 'BAD_REQUEST');
      expect(notJson.body.error.message).toMatch(/^input: the request body is not JSON/);
    });

    it('answers 401 without a key and 403 for a key without the scope', async () => {
      expectError(await rest.call('GET', '/v1/webhooks'), 'UNAUTHORIZED');
      const forbidden = await rest.call('POST', '/v1/projects', { key: ids.readKey, body: { name: 'nope' } });
      expectError(forbidden, 'FORBIDDEN');
      expect(forbidden.body.error.message).toContain("scope 'admin'");
    });

    it('answers 404 for a missing object and for an unknown path, 405 for a method the path lacks', async () => {
      const missing = await rest.call('GET', '/v1/webhooks/{id}', { key, params: { id: 'wh_missing' } });
      expectError(missing, 'NOT_FOUND');
      expect(missing.body.error.message).toBe('webhook not found: wh_missing');
      const res = await fetch(`${h.apiUrl}/v1/nothing-here`, { headers: { 'x-api-key': key } });
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);
      const del = await fetch(`${h.apiUrl}/v1/events`, { method: 'DELETE', headers: { 'x-api-key': key } });
      expect(del.status).toBe(405);
      expect(del.headers.get('allow')).toBe('POST, GET');
    });

    it('answers 409 when deleting a project that webhooks use', async () => {
      const r = await rest.call('DELETE', '/v1/projects/{id}', { key, params: { id: ids.project } });
      expectError(r, 'CONFLICT');
      expect(r.body.error.message).toContain('still has webhooks');
    });

    it('answers 413 for event data over 256 KiB and for a body over 1 MiB', async () => {
      const big = await rest.call('POST', '/v1/events', {
        key,
        body: { type: 'order.paid', data: { amount: 1, pad: 'x'.repeat(256 * 1024) } },
      });
      expectError(big, 'PAYLOAD_TOO_LARGE');
      expect(big.body.error.message).toMatch(/^data: must be at most 262144 bytes/);
      const huge = await rest.call('POST', '/v1/events', { key, body: { type: 'order.paid', data: { pad: 'x'.repeat(1024 * 1024) } } });
      expectError(huge, 'PAYLOAD_TOO_LARGE');
    });

    it('has called every operation of the document successfully', () => {
      expect(rest.operations.filter((op) => !rest.succeeded.has(op))).toEqual([]);
    });

    // Last: it blocks this address for the rest of the minute.
    it('answers 429 with Retry-After once an address has used up its failed authentications', async () => {
      // The call without a key above counted as one failure.
      for (let i = 1; i < AUTH_FAIL_LIMIT; i++) expectError(await rest.call('GET', '/v1/webhooks', { key: `bogus-${i}` }), 'UNAUTHORIZED');
      const r = await rest.call('GET', '/v1/webhooks', { key: 'bogus-last' });
      expectError(r, 'TOO_MANY_REQUESTS');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });
});
