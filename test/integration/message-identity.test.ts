import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// Event ids are chosen by teams and unique only per team; the webhook-id receivers
// de-duplicate on must be unique per message across teams, and stable across retries and replays.
describe('webhook-id identifies one message across teams, retries and replays', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('two teams sending the same event id to one receiver get different webhook-ids; retries and a replay keep theirs', async () => {
    const rx = await startReceiver((_a, i) => ({ status: i === 0 ? 500 : 200 }));
    try {
      const a = await teamWithType(h);
      const b = await teamWithType(h);
      const retry = { kind: 'attempts', maxAttempts: 3, intervalSeconds: 1, backoff: 'fixed' } as const;
      const wa = await a.api.webhooks.create.mutate({ name: 'a', url: rx.url, eventTypes: [a.type], retryPolicy: retry });
      const wb = await b.api.webhooks.create.mutate({ name: 'b', url: rx.url, eventTypes: [b.type], retryPolicy: retry });
      await a.api.events.publish.mutate({ type: a.type, data: { team: 'a' }, id: 'order-42' });
      const ida = deliveryIdOf('order-42', wa.id);
      await waitForDelivery(a.api, ida, ['succeeded']);
      await b.api.events.publish.mutate({ type: b.type, data: { team: 'b' }, id: 'order-42' });
      await waitForDelivery(b.api, deliveryIdOf('order-42', wb.id), ['succeeded']);
      await a.api.deliveries.replay.mutate({ id: ida });
      await waitFor(() => rx.arrivals.length === 4, 20_000, 'the replayed send');

      const idsOf = (team: string) => rx.arrivals.filter((x) => JSON.parse(x.body).data.team === team).map((x) => x.headers['webhook-id']);
      // Team a: the failed first try, its retry and the replay; team b: one send.
      expect(idsOf('a')).toEqual([messageId(a.teamId, 'order-42'), messageId(a.teamId, 'order-42'), messageId(a.teamId, 'order-42')]);
      expect(idsOf('b')).toEqual([messageId(b.teamId, 'order-42')]);
      expect(messageId(a.teamId, 'order-42')).not.toBe(messageId(b.teamId, 'order-42'));
      // The body keeps the team's own event id.
      expect(new Set(rx.arrivals.map((x) => JSON.parse(x.body).id))).toEqual(new Set(['order-42']));
    } finally {
      await rx.close();
    }
  });
});
