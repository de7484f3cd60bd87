import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver, waitFor } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

// The two knobs of patches/@temporalio+worker+1.24.0.patch, each on a real worker and server.
describe('workflow sandbox options', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A delivery parked on a 1 h retry timer; returns its id once the workflow waits. */
  async function parkOne(harness: Harness) {
    const rx = await startReceiver(() => ({ status: 500 }));
    const t = await teamWithType(harness);
    const hook = await t.api.webhooks.create.mutate({
      name: 'parked',
      url: rx.url,
      eventTypes: [t.type],
      retryPolicy: { kind: 'attempts', maxAttempts: 3, intervalSeconds: 3600, backoff: 'fixed' },
    });
    const event = await t.api.events.publish.mutate({ type: t.type, data: {} });
    const id = deliveryIdOf(event.id, hook.id);
    await waitForDelivery(t.api, id, ['retrying']);
    return { id, rx };
  }

  it('by default workflows keep no per-promise stack traces, so the stack-trace query says they are off', async () => {
    h = await createHarness();
    const { id, rx } = await parkOne(h);
    try {
      const err = await h.temporal.workflow
        .getHandle(id)
        .query('__stack_trace')
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(String((err as Error)?.message)).toMatch(/stack traces are not enabled/);
    } finally {
      await h.temporal.workflow.getHandle(id).terminate('test done');
      await rx.close();
    }
  });

  it('with HERALD_WORKFLOW_STACK_TRACES=true the stack-trace query shows where a parked delivery waits', async () => {
    h = await createHarness({ env: { HERALD_WORKFLOW_STACK_TRACES: 'true' } });
    const { id, rx } = await parkOne(h);
    try {
      const stack = await waitFor(
        async () => (await h!.temporal.workflow.getHandle(id).query<string>('__stack_trace')) || undefined,
        10_000,
        'a stack trace',
      );
      // The waits of delivery-workflow.ts (a condition with a timeout) appear in the stack.
      expect(stack).toMatch(/delivery-workflow|condition/);
    } finally {
      await h.temporal.workflow.getHandle(id).terminate('test done');
      await rx.close();
    }
  });

  it('with the SDK deadlock detection back on (HERALD_WORKFLOW_DEADLOCK_TIMEOUT_MS=5000) deliveries still succeed', async () => {
    h = await createHarness({ env: { HERALD_WORKFLOW_DEADLOCK_TIMEOUT_MS: '5000' } });
    const rx = await startReceiver();
    try {
      const t = await teamWithType(h);
      const hook = await t.api.webhooks.create.mutate({ name: 'ok', url: rx.url, eventTypes: [t.type] });
      const event = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const d = await waitForDelivery(t.api, deliveryIdOf(event.id, hook.id), ['succeeded']);
      expect(d.attemptRecords).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
