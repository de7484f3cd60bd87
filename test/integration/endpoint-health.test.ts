import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPendingDeliveries } from '../../src/core/delivery-status.js';
import { sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Arrival, type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// Auto-disable after 10 s of nothing but failures (5 days in production): long enough that the
// other tests' runs of 2–3 failures a second apart never reach it on a loaded machine.
const DISABLE_AFTER_MINUTES = 10 / 60;
const everySecond = (maxAttempts: number) => ({ kind: 'attempts', maxAttempts, intervalSeconds: 1, backoff: 'fixed' }) as const;

type Team = Awaited<ReturnType<typeof teamWithType>>;

describe('endpoint health, auto-disable and operational events', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await createHarness({ env: { HERALD_ENDPOINT_DISABLE_AFTER_MINUTES: String(DISABLE_AFTER_MINUTES) } });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
  });

  async function receiver(status: (i: number) => number) {
    const r = await startReceiver((_a, i) => ({ status: status(i) }));
    receivers.push(r);
    return r;
  }

  /** A second endpoint of the team that subscribes to operational events and answers 200. */
  async function opsEndpoint(t: Team, eventTypes: string[]) {
    const rx = await receiver(() => 200);
    const w = await t.api.webhooks.create.mutate({ name: 'ops', url: rx.url, eventTypes });
    return { rx, w };
  }

  /** The verified body of the first arrival of `type` (throws if the signature does not verify). */
  async function signedArrival(rx: Receiver, secret: string, type: string, timeoutMs = 30_000) {
    const arrival = await waitFor(
      () => rx.arrivals.find((a) => JSON.parse(a.body).type === type),
      timeoutMs,
      `${type} at the ops endpoint`,
    );
    return new Webhook(secret).verify(arrival.body, arrival.headers as Record<string, string>) as {
      id: string;
      type: string;
      data: Record<string, unknown>;
    };
  }

  const typesOf = (arrivals: Arrival[]) => arrivals.map((a) => JSON.parse(a.body).type as string);

  it('every team has the operational event types in its catalog, and cannot publish them itself', async () => {
    const t = await teamWithType(h);
    const names = (await t.api.eventTypes.list.query()).data.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['webhook.disabled', 'webhook.recovered', 'delivery.exhausted']));
    await expect(t.api.events.publish.mutate({ type: 'webhook.disabled', data: {} })).rejects.toThrow(
      /type: webhook.disabled is an operational event/,
    );
  });

  it('an endpoint that fails every attempt for the configured span is disabled with reason and time, and webhook.disabled reaches another endpoint signed', async () => {
    const t = await teamWithType(h);
    const ops = await opsEndpoint(t, ['webhook.disabled']);
    const bad = await receiver(() => 500);
    // Subscribed to webhook.disabled too: it must still not receive its own.
    const w = await t.api.webhooks.create.mutate({
      name: 'bad',
      url: bad.url,
      eventTypes: [t.type, 'webhook.disabled'],
      retryPolicy: everySecond(50),
    });
    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: 1 } });
    const started = Date.now();

    const body = await signedArrival(ops.rx, ops.w.secret, 'webhook.disabled');
    const got = await t.api.webhooks.get.query({ id: w.id });
    expect(got.active).toBe(false);
    expect(got.disabledReason).toMatch(/^disabled automatically: every attempt failed for 10 seconds \(last: HTTP 500\)$/);
    expect(got.health.disabledSince).not.toBeNull();
    expect(got.health.failingSince).not.toBeNull();
    const failingMs = Date.parse(got.health.disabledSince!) - Date.parse(got.health.failingSince!);
    expect(failingMs).toBeGreaterThanOrEqual(10_000);
    // At least two failures 10 s apart (about eleven on an idle machine: one a second).
    expect(got.health.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(got.health.lastSuccessAt).toBeNull();
    expect(got.health.recentSuccessRate).toBe(0);
    expect(Date.now() - started).toBeLessThan(40_000);

    expect(body.data).toEqual({
      webhookId: w.id,
      name: 'bad',
      url: bad.url,
      disabledAt: got.health.disabledSince,
      reason: got.disabledReason,
      failingSince: got.health.failingSince,
      consecutiveFailures: got.health.consecutiveFailures,
    });
    // The pending delivery stops as for any inactive webhook, and nothing more is sent to it.
    const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['cancelled']);
    expect(d.reason).toBe(`webhook inactive: ${got.disabledReason}`);
    expect(typesOf(bad.arrivals)).not.toContain('webhook.disabled');
    expect(bad.arrivals.length).toBe(got.health.consecutiveFailures);
  });

  it('re-enabling with recover replays the delivery the disable cut short; its success raises webhook.recovered', async () => {
    const t = await teamWithType(h);
    const ops = await opsEndpoint(t, ['webhook.disabled', 'webhook.recovered']);
    let healthy = false;
    const flaky = await receiver(() => (healthy ? 200 : 503));
    const w = await t.api.webhooks.create.mutate({ name: 'flaky', url: flaky.url, eventTypes: [t.type], retryPolicy: everySecond(50) });
    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: 2 } });
    await signedArrival(ops.rx, ops.w.secret, 'webhook.disabled');
    const id = deliveryIdOf(e.id, w.id);
    await waitForDelivery(t.api, id, ['cancelled']);
    const disabled = await t.api.webhooks.get.query({ id: w.id });

    healthy = true;
    const enabled = await t.api.webhooks.enable.mutate({ id: w.id, recover: 'failing' });
    expect(enabled.active).toBe(true);
    expect(enabled.disabledReason).toBeNull();
    expect(enabled.health.disabledSince).toBeNull();
    expect(enabled.recovered).toMatchObject({ since: disabled.health.failingSince, matched: 1, started: true });

    const d = await waitForDelivery(t.api, id, ['succeeded']);
    const recoveryId = enabled.recovered!.recoveryId;
    await waitFor(async () => (await t.api.deliveries.recoveryStatus.query({ id: recoveryId })).done, 20_000, 'recovery done');
    expect(await t.api.deliveries.recoveryStatus.query({ id: recoveryId })).toMatchObject({ replayed: 1, skipped: 0 });
    expect(d.attemptRecords).toHaveLength(1);
    const body = await signedArrival(ops.rx, ops.w.secret, 'webhook.recovered');
    // Re-enabling restarted the failing clock (failingSince) and kept the streak.
    expect(enabled.health.failingSince).not.toBeNull();
    expect(Date.parse(enabled.health.failingSince!)).toBeGreaterThan(Date.parse(disabled.health.disabledSince!));
    expect(enabled.health.consecutiveFailures).toBe(disabled.health.consecutiveFailures);
    expect(body.data).toMatchObject({
      webhookId: w.id,
      name: 'flaky',
      failingSince: enabled.health.failingSince,
      consecutiveFailures: disabled.health.consecutiveFailures,
    });
    const after = await t.api.webhooks.get.query({ id: w.id });
    expect(after.health).toMatchObject({ consecutiveFailures: 0, failingSince: null, disabledSince: null });
    expect(after.health.lastSuccessAt).toBe(body.data.recoveredAt);
    await expect(t.api.webhooks.enable.mutate({ id: w.id })).rejects.toThrow(/already active/);
  });

  it('a success after three failures raises webhook.recovered; webhooks.get and list show the health', async () => {
    const t = await teamWithType(h);
    const ops = await opsEndpoint(t, ['webhook.recovered']);
    const flaky = await receiver((i) => (i < 3 ? 503 : 200));
    const w = await t.api.webhooks.create.mutate({ name: 'flaky', url: flaky.url, eventTypes: [t.type], retryPolicy: everySecond(10) });
    const fresh = await t.api.webhooks.get.query({ id: w.id });
    expect(fresh.health).toEqual({
      recentSuccessRate: null,
      consecutiveFailures: 0,
      lastSuccessAt: null,
      lastFailureAt: null,
      failingSince: null,
      disabledSince: null,
    });

    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: 3 } });
    const d = await waitForDelivery(t.api, deliveryIdOf(e.id, w.id), ['succeeded']);
    expect(d.attemptRecords).toHaveLength(4);
    const body = await signedArrival(ops.rx, ops.w.secret, 'webhook.recovered');
    expect(body.data).toEqual({
      webhookId: w.id,
      name: 'flaky',
      url: flaky.url,
      recoveredAt: d.attemptRecords[3]!.createdAt,
      failingSince: d.attemptRecords[0]!.createdAt,
      consecutiveFailures: 3,
    });
    const got = await t.api.webhooks.get.query({ id: w.id });
    expect(got.health.recentSuccessRate).toBeCloseTo(0.25, 2);
    expect(got.health).toMatchObject({
      consecutiveFailures: 0,
      failingSince: null,
      lastSuccessAt: d.attemptRecords[3]!.createdAt,
      lastFailureAt: d.attemptRecords[2]!.createdAt,
      disabledSince: null,
    });
    const listed = (await t.api.webhooks.list.query()).data.find((x) => x.id === w.id);
    expect(listed?.health).toEqual(got.health);
  });

  it('delivery.exhausted reports the final failed attempt to the team, never to the failing endpoint itself', async () => {
    const t = await teamWithType(h);
    const ops = await opsEndpoint(t, ['delivery.exhausted']);
    const bad = await receiver(() => 502);
    // `*`: it would match its own delivery.exhausted if the rule did not leave it out.
    const w = await t.api.webhooks.create.mutate({ name: 'bad', url: bad.url, eventTypes: ['*'], retryPolicy: everySecond(3) });
    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: 4 } });
    const id = deliveryIdOf(e.id, w.id);
    const d = await waitForDelivery(t.api, id, ['failed']);
    const body = await signedArrival(ops.rx, ops.w.secret, 'delivery.exhausted');
    expect(body.data).toEqual({
      deliveryId: id,
      webhookId: w.id,
      eventId: e.id,
      eventType: t.type,
      attempts: 3,
      lastStatusCode: 502,
      lastError: 'retry policy exhausted',
      failedAt: d.attemptRecords[2]!.createdAt,
    });
    await waitFor(
      async () => (await t.api.deliveries.list.query({ eventId: body.id })).data.every((x) => x.status === 'succeeded'),
      20_000,
      'the report delivered',
    );
    expect(typesOf(bad.arrivals)).toEqual([t.type, t.type, t.type]);
  });

  it('an operational event the worker could not start is started by the undispatched sweep, to its own delivery rows only', async () => {
    const t = await teamWithType(h);
    const ops = await opsEndpoint(t, ['webhook.disabled']);
    // Matches by pattern but had no row written (as the webhook the event is about): must not get it.
    const subject = await opsEndpoint(t, ['*']);
    // As the record statement leaves it when the start after it failed: event and rows, undispatched.
    const eventId = 'evt_op_sweep_test';
    await h.db
      .insertInto('events')
      .values({
        team_id: t.teamId,
        id: eventId,
        type: 'webhook.disabled',
        project_id: null,
        data_raw: JSON.stringify({ webhookId: subject.w.id }),
        created_at: new Date(),
        dispatched_at: null,
      })
      .execute();
    await insertPendingDeliveries(h.db, [
      { id: deliveryIdOf(eventId, ops.w.id), teamId: t.teamId, eventId, webhookId: ops.w.id, eventType: 'webhook.disabled' },
    ]);

    expect(await sweepUndispatched({ db: h.db, temporal: h.temporal, config: h.config }, 0)).toMatchObject({ dispatched: 1, failed: [] });
    const body = await signedArrival(ops.rx, ops.w.secret, 'webhook.disabled');
    expect(body).toMatchObject({ id: eventId, data: { webhookId: subject.w.id } });
    await waitForDelivery(t.api, deliveryIdOf(eventId, ops.w.id), ['succeeded']);
    const rows = await h.db.selectFrom('deliveries').select('webhook_id').where('event_id', '=', eventId).execute();
    expect(rows).toEqual([{ webhook_id: ops.w.id }]);
    expect(subject.rx.arrivals).toHaveLength(0);
  });

  it('an endpoint that keeps answering 503 gets a longer next wait from its health, not from the attempt number (overload penalty)', async () => {
    const t = await teamWithType(h);
    const rx = await receiver(() => 503);
    const window = { kind: 'window', windowMinutes: 1440 } as const;
    const healthy = await t.api.webhooks.create.mutate({ name: 'healthy', url: rx.url, eventTypes: [t.type], retryPolicy: window });
    const sick = await t.api.webhooks.create.mutate({ name: 'sick', url: `${rx.url}/sick`, eventTypes: [t.type], retryPolicy: window });
    // Its recent history: 40 failures in a row, nothing else.
    await h.db
      .updateTable('webhooks')
      .set({ consecutive_failures: 40, health_failures: 40, failing_since: new Date(), health_updated_at: new Date() })
      .where('id', '=', sick.id)
      .execute();
    const e = await t.api.events.publish.mutate({ type: t.type, data: { n: 6 } });
    const firstWait = async (webhookId: string) => {
      const d = await waitForDelivery(t.api, deliveryIdOf(e.id, webhookId), ['retrying']);
      const r = d.attemptRecords[0]!;
      return Date.parse(r.nextAttemptAt!) - Date.parse(r.createdAt);
    };
    // Attempt 1 of both deliveries: the window's first step is 5 s ± 20 %; ×8 for the sick endpoint.
    const normal = await firstWait(healthy.id);
    const penalised = await firstWait(sick.id);
    expect(normal).toBeGreaterThanOrEqual(4_000);
    expect(normal).toBeLessThanOrEqual(6_100);
    expect(penalised).toBeGreaterThanOrEqual(32_000);
    expect(penalised).toBeLessThanOrEqual(48_100);
    await t.api.webhooks.delete.mutate({ id: healthy.id });
    await t.api.webhooks.delete.mutate({ id: sick.id });
  });

  it('a failed delivery of an operational event raises nothing more: two failing `*` endpoints report each other once and stop', async () => {
    const t = await teamWithType(h);
    const a = await receiver(() => 500);
    const b = await receiver(() => 500);
    const wa = await t.api.webhooks.create.mutate({ name: 'a', url: a.url, eventTypes: ['*'], retryPolicy: everySecond(2) });
    const wb = await t.api.webhooks.create.mutate({ name: 'b', url: b.url, eventTypes: ['*'], retryPolicy: everySecond(2) });
    await t.api.events.publish.mutate({ type: t.type, data: { n: 5 } });
    // Each endpoint's failed delivery is reported to the other, whose delivery of the report fails too.
    const settled = async () => {
      const rows = await h.db.selectFrom('deliveries').select(['status', 'event_type']).where('team_id', '=', t.teamId).execute();
      return rows.length === 4 && rows.every((r) => r.status === 'failed') ? rows : undefined;
    };
    const rows = await waitFor(settled, 30_000, 'every delivery failed');
    expect(rows.filter((r) => r.event_type === 'delivery.exhausted')).toHaveLength(2);
    const events = await h.db
      .selectFrom('events')
      .select('type')
      .where('team_id', '=', t.teamId)
      .where('type', '=', 'delivery.exhausted')
      .execute();
    expect(events).toHaveLength(2);
    expect(typesOf(a.arrivals).sort()).toEqual(['delivery.exhausted', 'delivery.exhausted', t.type, t.type]);
    expect(typesOf(b.arrivals).sort()).toEqual(['delivery.exhausted', 'delivery.exhausted', t.type, t.type]);
    expect((await t.api.webhooks.get.query({ id: wa.id })).active).toBe(true);
    expect((await t.api.webhooks.get.query({ id: wb.id })).active).toBe(true);
  });
});
