import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../src/workflows/delivery-contract.js';
import type { Resolver } from '../../src/security/url-safety.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, type Responder, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';
import { countEvents, fetchRunHistory, saveHistory } from './save-history.js';
import type { Shape } from './fixtures.js';
import { deliveryResult } from '../support/delivery-result.js';

/**
 * Drives one delivery of each shape against real Temporal, PostgreSQL and loopback receivers and
 * saves its history as a replay fixture. Run with `npm run record-histories`.
 */
const slowRetries = { kind: 'attempts', maxAttempts: 5, intervalSeconds: 60, backoff: 'fixed' } as const;
type WebhookInput = Parameters<Awaited<ReturnType<typeof teamWithType>>['api']['webhooks']['create']['mutate']>[0];
const fastRetries = (maxAttempts: number) => ({ kind: 'attempts', maxAttempts, intervalSeconds: 1, backoff: 'fixed' }) as const;

describe('recording delivery workflow histories', () => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof teamWithType>>;
  beforeAll(async () => {
    // Window-policy waits at 1/100 of production (5 s → 50 ms), so recording is fast.
    h = await createHarness({ env: { HERALD_RETRY_TIME_SCALE: '0.01' } });
    t = await teamWithType(h, 'video.media.ready', { maxActiveWebhooks: 50 });
  });
  const receivers: Receiver[] = [];
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
  });

  const result = (id: string, runId?: string) => deliveryResult(h.temporal, id, runId);
  const save = async (shape: Shape, id: string, runId?: string) => saveHistory(h, shape, await fetchRunHistory(h, id, runId), [t.key]);

  /** A webhook on a fresh receiver, one published event; returns the delivery id. */
  async function publishTo(respond: Responder, hook: Pick<Partial<WebhookInput>, 'retryPolicy' | 'rateLimitPerSecond'> = {}) {
    const rx = await startReceiver(respond);
    receivers.push(rx);
    const w = await t.api.webhooks.create.mutate({ name: 'rec', url: rx.url, eventTypes: [t.type], ...hook });
    const e = await t.api.events.publish.mutate({ type: t.type, data: { shape: true } });
    return { rx, w, e, id: deliveryIdOf(e.id, w.id) };
  }

  /** Waits until the delivery's workflow has started the timer it parks on. */
  const waitForParkedTimer = (id: string) =>
    waitFor(async () => countEvents(await fetchRunHistory(h, id), 'timerStartedEventAttributes') > 0, 20_000, `${id} to park on a timer`);

  it('records immediate-success: one attempt, 2xx', async () => {
    const { id } = await publishTo(() => ({ status: 200 }));
    expect((await result(id)).status).toBe('succeeded');
    await save('immediate-success', id);
  });

  it('records retries-then-success: window policy, two 500s then 200', async () => {
    const { id } = await publishTo((_a, i) => ({ status: i < 2 ? 500 : 200 }), { retryPolicy: { kind: 'window', windowMinutes: 1440 } });
    const s = await result(id);
    expect(s.status).toBe('succeeded');
    expect(s.attempts).toHaveLength(3);
    await save('retries-then-success', id);
  });

  it('records retries-exhausted: three 500s under a 3-attempt policy, then failed', async () => {
    const { id } = await publishTo(() => ({ status: 500 }), { retryPolicy: fastRetries(3) });
    const s = await result(id);
    expect(s).toMatchObject({ status: 'failed', reason: 'retry policy exhausted' });
    expect(s.attempts).toHaveLength(3);
    await save('retries-exhausted', id);
  });

  it('records throttled-then-success: a burst at 1/s, one delivery waits for its slot on a timer', async () => {
    const rx = await startReceiver();
    receivers.push(rx);
    const w = await t.api.webhooks.create.mutate({ name: 'limited', url: rx.url, eventTypes: [t.type], rateLimitPerSecond: 1 });
    // Slots are 1.1 s apart; waits over 2 s become a workflow timer, so the 3rd and 4th are throttled.
    const events = await Promise.all([0, 1, 2, 3].map((i) => t.api.events.publish.mutate({ type: t.type, data: { i } })));
    let throttled: string | undefined;
    for (const e of events) {
      const id = deliveryIdOf(e.id, w.id);
      const s = await result(id);
      expect(s.status).toBe('succeeded');
      const history = await fetchRunHistory(h, id);
      // One attempt, but more than one attempt call (marker) and a timer: it was throttled first.
      if (
        !throttled &&
        s.attempts.length === 1 &&
        countEvents(history, 'markerRecordedEventAttributes') > 1 &&
        countEvents(history, 'timerStartedEventAttributes') > 0
      )
        throttled = id;
    }
    expect(throttled, 'a delivery throttled onto a workflow timer').toBeDefined();
    await save('throttled-then-success', throttled!);
  });

  it('records parked-in-retry-wait and cancelled-during-retry-wait: a cancel signal during a 60 s wait', async () => {
    const { rx, id } = await publishTo(() => ({ status: 500 }), { retryPolicy: slowRetries });
    await waitForParkedTimer(id);
    await save('parked-in-retry-wait', id);
    await t.api.deliveries.cancel.mutate({ id, reason: 'recorder cancels' });
    expect(await result(id)).toMatchObject({ status: 'cancelled', reason: 'recorder cancels' });
    await save('cancelled-during-retry-wait', id);
    expect(rx.arrivals).toHaveLength(1);
  });

  it('records retry-now: a retryNow signal ends a 60 s wait and the next attempt succeeds', async () => {
    const { id } = await publishTo((_a, i) => ({ status: i === 0 ? 500 : 200 }), { retryPolicy: slowRetries });
    await waitForParkedTimer(id);
    await t.api.deliveries.retryNow.mutate({ id });
    const s = await result(id);
    expect(s.status).toBe('succeeded');
    expect(s.attempts.map((a) => a.responseStatusCode)).toEqual([500, 200]);
    await save('retry-now', id);
  });

  it('records replay-second-run: deliveries.replay starts a new run of a finished delivery', async () => {
    const { rx, id } = await publishTo(() => ({ status: 200 }));
    await result(id);
    const firstRun = (await h.temporal.workflow.getHandle(id).describe()).runId;
    await t.api.deliveries.replay.mutate({ id });
    const secondRun = (await h.temporal.workflow.getHandle(id).describe()).runId;
    expect(secondRun).not.toBe(firstRun);
    expect((await result(id, secondRun)).status).toBe('succeeded');
    await save('replay-second-run', id, secondRun);
    expect(rx.arrivals).toHaveLength(2);
  });

  it('records gone-410: the receiver answers 410 and the webhook is deactivated', async () => {
    const { id } = await publishTo(() => ({ status: 410 }), { retryPolicy: fastRetries(5) });
    const s = await result(id);
    expect(s.status).toBe('failed');
    expect(s.reason).toContain('410');
    await save('gone-410', id);
  });

  it('records webhook-deactivated-mid-retry: the next attempt finds the webhook inactive and stops', async () => {
    const { w, id } = await publishTo(() => ({ status: 503 }), { retryPolicy: fastRetries(10) });
    await waitForDelivery(t.api, id, ['retrying']);
    await t.api.webhooks.update.mutate({ id: w.id, active: false });
    const s = await result(id);
    expect(s.status).toBe('cancelled');
    expect(s.reason).toContain('webhook inactive');
    await save('webhook-deactivated-mid-retry', id);
  });
});

describe('recording a blocked delivery (secure default: no private targets)', () => {
  let hb: Harness;
  let seen = 0;
  // Public at create time, loopback at send time (DNS rebinding): the send is blocked.
  const resolve: Resolver = async (host) => {
    if (host !== 'rebind.example') throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return ++seen === 1 ? ['93.184.215.14'] : ['127.0.0.1'];
  };
  beforeAll(async () => {
    hb = await createHarness({ env: { HERALD_ALLOW_PRIVATE_TARGETS: 'false' }, resolve });
  });
  afterAll(async () => hb?.close());

  it('records blocked-target: a name that resolves to 127.0.0.1 at send time fails without a retry', async () => {
    const t = await teamWithType(hb);
    const w = await t.api.webhooks.create.mutate({
      name: 'rebind',
      url: 'https://rebind.example/hook',
      eventTypes: [t.type],
      retryPolicy: fastRetries(5),
    });
    const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const id = deliveryIdOf(e.id, w.id);
    const s = await deliveryResult(hb.temporal, id);
    expect(s.status).toBe('failed');
    expect(s.attempts[0]!.error).toMatchObject({ kind: 'blocked' });
    await saveHistory(hb, 'blocked-target', await fetchRunHistory(hb, id), [t.key]);
  });
});
