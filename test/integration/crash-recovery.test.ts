import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { teamWithType } from '../support/scenario.js';
import { startWorkerProcess } from '../../src/app/herald-process.js';

describe('at-least-once delivery across a worker crash', () => {
  let h: Harness;
  const workers: Awaited<ReturnType<typeof startWorkerProcess>>[] = [];
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h?.close();
  });

  it('delivers every accepted event after the worker is SIGKILLed mid-run and restarted', async () => {
    // Slow receiver: attempts are in flight when the worker dies.
    const rx = await startReceiver(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return { status: 200 };
    });
    try {
      const db = h.config.databaseUrl!;
      workers.push(await startWorkerProcess(h.config, db));
      const t = await teamWithType(h);
      await t.api.webhooks.create.mutate({ name: 'crash', url: rx.url, eventTypes: [t.type], rateLimitPerSecond: 1000 });
      const N = 60;
      const accepted: string[] = [];
      for (let i = 0; i < N; i++) accepted.push((await t.api.events.publish.mutate({ type: t.type, data: { i } })).id);
      await waitFor(() => rx.arrivals.length >= 10, 30_000, 'first arrivals');
      await workers[0]!.stop('SIGKILL');
      const killedAt = Date.now();
      workers.push(await startWorkerProcess(h.config, db));
      const ids = () => new Set(rx.arrivals.map((a) => JSON.parse(a.body).id as string));
      await waitFor(() => ids().size === N, 60_000, 'every accepted event delivered');
      const lost = accepted.filter((id) => !ids().has(id));
      const duplicated = rx.arrivals.length - ids().size;
      console.log(
        `worker crash: accepted ${N}, delivered ${ids().size}, lost ${lost.length}, duplicated ${duplicated}, recovered in ${Date.now() - killedAt} ms`,
      );
      expect(lost).toEqual([]);
      // Every duplicate carries the same webhook-id as its original.
      for (const a of rx.arrivals) expect(a.headers['webhook-id']).toBe(messageId(t.teamId, JSON.parse(a.body).id));
    } finally {
      await rx.close();
    }
  }, 120_000);
});
