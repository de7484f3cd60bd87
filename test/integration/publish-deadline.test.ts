import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { messageId } from '../../src/delivery/message-id.js';
import { type DevServer, startTemporalDevServer } from '../../src/embedded/temporal-dev-server.js';
import { sweepUndispatched } from '../../src/worker/sweep-undispatched.js';
import { freePort } from '../support/free-port.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type Receiver, startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

/**
 * Issue 22, items 1 and 2: a publish whose workflow starts Temporal does not confirm within
 * HERALD_PUBLISH_TIMEOUT_MS fails fast with a 503 that carries the stored event's id, and a
 * retry with that id delivers the event once. Temporal is this file's own dev server, paused
 * with SIGSTOP (slow as well as unreachable: requests sit unanswered in its socket) and resumed
 * with SIGCONT; a pause never outlasts PAUSE_CAP_MS, so nothing hangs if a publish does.
 */
const TIMEOUT_MS = 1_500;
/** What a refused publish may take on a loaded 2-core box: the deadline, its backstop, and slack. */
const FAIL_WITHIN_MS = TIMEOUT_MS + 500 + 6_000;
const PAUSE_CAP_MS = 40_000;

describe('publish deadline with Temporal paused', () => {
  let h: Harness;
  let server: DevServer;
  let rx: Receiver;
  let resumeTimer: NodeJS.Timeout | undefined;

  const resume = () => {
    clearTimeout(resumeTimer);
    resumeTimer = undefined;
    if (server?.pid) process.kill(server.pid, 'SIGCONT');
  };
  const pause = () => {
    if (!server.pid) throw new Error('the dev server was not spawned by Herald: no pid to pause');
    process.kill(server.pid, 'SIGSTOP');
    resumeTimer = setTimeout(resume, PAUSE_CAP_MS);
  };
  /** The error a promise rejects with, and how long it took (ms). */
  const refusal = async (call: () => Promise<unknown>) => {
    const t0 = Date.now();
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { err, ms: Date.now() - t0 };
  };

  beforeAll(async () => {
    const config = loadConfig();
    server = await startTemporalDevServer({
      port: await freePort(),
      namespace: 'default',
      retentionDays: 1,
      cacheDir: config.cacheDir,
      cliPath: config.temporal.cliPath,
      pathEnv: config.pathEnv,
    });
    h = await createHarness({
      temporalAddress: server.address,
      env: { HERALD_PUBLISH_TIMEOUT_MS: String(TIMEOUT_MS), HERALD_TEAM_PUBLISH_CONCURRENCY: '1' },
    });
    rx = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    resume();
    await rx?.close();
    await h?.close();
    await server?.stop();
  });

  it('answers a publish, a REST publish and each call of a batch with a 503 carrying its stored event id within the deadline', async () => {
    const t = await teamWithType(h, 'asset.ready');
    await t.api.webhooks.create.mutate({ name: 'a', url: `${rx.url}/one`, eventTypes: [t.type] });
    pause();
    try {
      const { err, ms } = await refusal(() => t.api.events.publish.mutate({ type: t.type, data: { n: 1 } }));
      expect(err).toBeInstanceOf(TRPCClientError);
      const e = err as { message: string; data: { code: string; httpStatus: number; eventId: string | null } };
      expect(e.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
      expect(e.data.eventId).toMatch(/^evt_/);
      expect(e.message).toContain(`publish again with id "${e.data.eventId}"`);
      expect(ms).toBeLessThan(FAIL_WITHIN_MS);
      const stored = await h.db
        .selectFrom('events')
        .select('id')
        .where('team_id', '=', t.teamId)
        .where('id', '=', e.data.eventId!)
        .execute();
      expect(stored).toHaveLength(1);

      const rest = await refusal(async () => {
        const res = await fetch(`${h.apiUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` },
          body: JSON.stringify({ type: t.type, data: { n: 2 }, id: 'mine-2' }),
        });
        throw { status: res.status, body: await res.json() };
      });
      expect(rest.err).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', eventId: 'mine-2' } } });
      expect(rest.ms).toBeLessThan(FAIL_WITHIN_MS);

      // Lane of 1: the batch's two calls take their turns, each within its own deadline.
      const batch = await refusal(async () => {
        const res = await fetch(`${h.apiUrl}/trpc/events.publish,events.publish?batch=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` },
          body: JSON.stringify({ 0: { type: t.type, data: { n: 3 } }, 1: { type: t.type, data: { n: 4 }, id: 'mine-4' } }),
        });
        throw { status: res.status, body: await res.json() };
      });
      const answers = (batch.err as { body: { error: { data: { code: string; eventId: string } } }[] }).body;
      expect(answers.map((a) => a.error.data.code)).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
      expect(answers[0]!.error.data.eventId).toMatch(/^evt_/);
      expect(answers[1]!.error.data.eventId).toBe('mine-4');
      expect(batch.ms).toBeLessThan(2 * FAIL_WITHIN_MS);
    } finally {
      resume();
    }
  }, 90_000);

  it('delivers a refused publish once, under one webhook-id, when it is retried with the answered id and the undispatched sweep runs too', async () => {
    const t = await teamWithType(h, 'asset.ready');
    const hook = await t.api.webhooks.create.mutate({ name: 'b', url: `${rx.url}/twice`, eventTypes: [t.type] });
    pause();
    let eventId: string;
    try {
      const { err } = await refusal(() => t.api.events.publish.mutate({ type: t.type, data: { n: 1 } }));
      eventId = (err as { data: { eventId: string } }).data.eventId;
      expect(eventId).toMatch(/^evt_/);
    } finally {
      resume();
    }
    const sweepDeps = { db: h.db, temporal: h.temporal, config: h.config };
    // The sweep picks the stored event up (olderThanMs 0: now, not a minute on), then the caller retries with the id.
    await waitFor(
      () =>
        sweepUndispatched(sweepDeps, 0).then(
          () => true,
          () => false,
        ),
      60_000,
      'a sweep with Temporal back',
    );
    const retried = await t.api.events.publish.mutate({ type: t.type, data: { n: 1 }, id: eventId });
    expect(retried).toMatchObject({ id: eventId, duplicate: true });
    await sweepUndispatched(sweepDeps, 0);

    const delivery = await waitForDelivery(t.api, deliveryIdOf(eventId, hook.id), ['succeeded'], 60_000);
    expect(delivery.attempts).toBe(1);
    // The row reads succeeded once the attempt is recorded, just before its workflow completes:
    // wait for the workflow's result, then read its status.
    const handle = h.temporal.workflow.getHandle(deliveryIdOf(eventId, hook.id));
    await handle.result();
    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    await sweepUndispatched(sweepDeps, 0);

    const arrivals = rx.arrivals.filter((a) => a.path === '/hook/twice');
    expect(arrivals.map((a) => a.headers['webhook-id'])).toEqual([messageId(t.teamId, eventId)]);
    const events = await h.db.selectFrom('events').select('id').where('team_id', '=', t.teamId).execute();
    expect(events.map((e) => e.id)).toEqual([eventId]);
  }, 120_000);

  it("frees the team's publish lane within the deadline of each waiting publish while Temporal is paused", async () => {
    const t = await teamWithType(h, 'asset.ready');
    await t.api.webhooks.create.mutate({ name: 'c', url: `${rx.url}/lane`, eventTypes: [t.type] });
    pause();
    try {
      // HERALD_TEAM_PUBLISH_CONCURRENCY 1: three at once take the lane in turn.
      const calls = [1, 2, 3].map((n) => refusal(() => t.api.events.publish.mutate({ type: t.type, data: { n } })));
      await waitFor(() => h.deps.publishLanes.load(t.teamId) === 3, 10_000, 'three publishes in the lane');
      const results = await Promise.all(calls);
      for (const r of results) expect((r.err as { data?: { code?: string } }).data?.code).toBe('SERVICE_UNAVAILABLE');
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(3 * (TIMEOUT_MS + 500) + 6_000);
      expect(h.deps.publishLanes.load(t.teamId)).toBe(0);
    } finally {
      resume();
    }
  }, 90_000);

  it("answers within the deadline too when the API starts deliveries eagerly on the worker's own connection", async () => {
    const eager = await createHarness({
      temporalAddress: server.address,
      eagerStart: true,
      env: { HERALD_PUBLISH_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    try {
      const t = await teamWithType(eager, 'asset.ready');
      await t.api.webhooks.create.mutate({ name: 'd', url: `${rx.url}/eager`, eventTypes: [t.type] });
      pause();
      try {
        const { err, ms } = await refusal(() => t.api.events.publish.mutate({ type: t.type, data: { n: 1 } }));
        expect((err as { data?: { code?: string; eventId?: string } }).data).toMatchObject({
          code: 'SERVICE_UNAVAILABLE',
          eventId: expect.stringMatching(/^evt_/),
        });
        expect(ms).toBeLessThan(FAIL_WITHIN_MS);
      } finally {
        resume();
      }
    } finally {
      await eager.close();
    }
  }, 120_000);
});
