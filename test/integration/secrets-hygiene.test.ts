import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture-output.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';
import { searchableHistory } from '../support/searchable-history.js';

describe('secrets never reach workflow history or logs', () => {
  let h: Harness;
  // Secrets at rest are sealed with this key (two keys: one current, one old, as during a rotation).
  const encryptionKeyBytes = [randomBytes(32), randomBytes(32)];
  const encryptionKey = `current:${encryptionKeyBytes[0]!.toString('base64')},old:${encryptionKeyBytes[1]!.toString('base64')}`;
  const output = captureOutput();
  beforeAll(async () => {
    output.start();
    h = await createHarness({ env: { HERALD_LOG_LEVEL: 'debug', HERALD_ENCRYPTION_KEY: encryptionKey } });
  });
  afterAll(async () => {
    output.stop();
    await h?.close();
  });

  it('keeps signing secrets, rotated secrets, the encryption key, API keys, custom header values and URL tokens out of histories and logs', async () => {
    const rx = await startReceiver((_a, i) => ({ status: i === 0 ? 500 : 200 }));
    try {
      const t = await teamWithType(h);
      const headerValue = 'Bearer customer-header-secret-5f2a9c';
      // Tokens in the URL's path and query: the receiver must get them, the summary must not show them.
      const pathToken = 'pAth7okenX9q2Lm4Zr8Tv1Wc';
      const queryToken = 'query-secret-7c1d9e';
      const w = await t.api.webhooks.create.mutate({
        name: 'secret',
        url: `${rx.url}/${pathToken}?token=${queryToken}`,
        eventTypes: [t.type],
        headers: { Authorization: headerValue },
        retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 1, backoff: 'fixed' },
      });
      const rotated = await t.api.webhooks.rotateSecret.mutate({ id: w.id });
      const e = await t.api.events.publish.mutate({ type: t.type, data: { note: 'public payload' } });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['succeeded']);
      expect(rx.arrivals[0]!.headers.authorization).toBe(headerValue);
      expect(rx.arrivals[0]!.path).toBe(`/hook/${pathToken}?token=${queryToken}`);
      const handle = h.temporal.workflow.getHandle(id);
      expect(await (await handle.describe()).staticSummary()).toBe(
        `POST http://127.0.0.1:${new URL(rx.url).port}/hook/***?*** · ${t.type}`,
      );
      // The delivery's input is ids only: no URL, no secret.
      const startEvent = (await handle.fetchHistory()).events![0]!;
      const started = startEvent.workflowExecutionStartedEventAttributes!;
      const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8')) as Record<string, unknown>;
      expect(input).toEqual({ teamId: w.teamId, eventId: e.id, webhookId: w.id, eventType: t.type });
      // The start event (input, search attributes, summary) holds neither token. Attempt records
      // later in the history do hold the URL as sent (README, Security).
      const startText = searchableHistory({ events: [startEvent] });
      expect(startText).toContain('/hook/***?***');
      for (const s of [pathToken, queryToken]) expect(startText.includes(s), `found URL token ${s}`).toBe(false);
      expect(String(rx.arrivals[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);

      // Small fan-outs start deliveries straight from publish; large ones go through a dispatch
      // workflow. Search every workflow this event started.
      const ids = await waitFor(
        async () => {
          const found: string[] = [];
          for await (const wf of h.temporal.workflow.list({ query: `EventId = "${e.id}"` })) found.push(wf.workflowId);
          return found.includes(id) ? found : undefined;
        },
        10_000,
        'visibility to list the delivery',
      );
      const histories = await Promise.all(
        ids.map(async (wid) => searchableHistory(await h.temporal.workflow.getHandle(wid).fetchHistory())),
      );
      const corpus = [...histories, output.text()].join('\n');
      // The search is real: ids and the payload are there…
      expect(histories.join('')).toContain(e.id);
      expect(histories.join('')).toContain('responseStatusCode');
      // …and no secret is.
      const keyTexts = encryptionKeyBytes.flatMap((b) => [b.toString('base64'), b.toString('base64url'), b.toString('hex')]);
      const secrets = [w.secret, rotated.secret, t.key, headerValue, w.secret.slice(6), rotated.secret.slice(6), ...keyTexts];
      for (const s of secrets) expect(corpus.includes(s), `found a secret starting ${s.slice(0, 10)}`).toBe(false);
    } finally {
      await rx.close();
    }
  });
});
