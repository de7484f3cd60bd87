import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPg, startEmbeddedPostgres } from '../../src/embedded/embedded-postgres.js';
import { freePort } from '../support/free-port.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startReceiver } from '../support/receiver.js';
import { deliveryIdOf, teamWithType, waitForDelivery } from '../support/scenario.js';

describe('PostgreSQL restarted under load', () => {
  let dir: string;
  let port: number;
  let pg: EmbeddedPg;
  let h: Harness;
  const start = () => startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port, database: 'postgres' });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-pg-outage-'));
    await fs.chmod(dir, 0o755);
    port = await freePort();
    pg = await start();
    h = await createHarness({ pgAdminUrl: pg.url });
  });
  afterAll(async () => {
    await h?.close();
    await pg?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('refuses publishes with SERVICE_UNAVAILABLE while down, then resumes in-flight deliveries', async () => {
    const rx = await startReceiver((_a, i) => ({ status: i === 0 ? 500 : 200 }));
    try {
      const t = await teamWithType(h);
      const w = await t.api.webhooks.create.mutate({
        name: 'pg',
        url: rx.url,
        eventTypes: [t.type],
        retryPolicy: { kind: 'attempts', maxAttempts: 5, intervalSeconds: 2, backoff: 'fixed' },
      });
      const e = await t.api.events.publish.mutate({ type: t.type, data: {} });
      const id = deliveryIdOf(e.id, w.id);
      await waitForDelivery(t.api, id, ['retrying']);

      await pg.stop();
      const t0 = Date.now();
      const refused = await t.api.events.publish.mutate({ type: t.type, data: {} }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(TRPCClientError);
      expect((refused as TRPCClientError<never>).data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
      expect((refused as Error).message).toContain('database unavailable');
      expect(Date.now() - t0).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 3_000)); // the retry falls due while the database is down

      pg = await start();
      const d = await waitForDelivery(t.api, id, ['succeeded'], 30_000);
      expect(d.attemptRecords.map((a) => a.responseStatusCode)).toEqual([500, 200]);
      const after = await t.api.events.publish.mutate({ type: t.type, data: { again: true } });
      await waitForDelivery(t.api, deliveryIdOf(after.id, w.id), ['succeeded']);
    } finally {
      await rx.close();
    }
  }, 90_000);
});
