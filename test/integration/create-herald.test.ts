import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createHerald, type Herald } from '../../src/app/create-herald.js';
import type { HeraldConfig } from '../../src/config.js';
import { freePort } from '../support/free-port.js';
import { harnessConfig, startHerald } from '../support/harness.js';
import { waitFor } from '../support/receiver.js';

// The proto package is CommonJS with a namespace object that ESM imports cannot name.
const proto = createRequire(import.meta.url)('@temporalio/proto') as typeof import('@temporalio/proto');
const WORKFLOW_QUEUE = proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;

/** Identities polling the config's workflow task queue right now. */
async function pollers(client: Client, config: HeraldConfig): Promise<string[]> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: config.temporal.taskQueue },
    taskQueueType: WORKFLOW_QUEUE,
  });
  return (res.pollers ?? []).map((p) => p.identity ?? '');
}

const healthz = async (url: string) => (await fetch(`${url}/healthz`)).status;

/** The composition root itself: roles choose the parts, stop() releases every one of them. */
describe('createHerald', () => {
  it('with the api role alone answers /healthz and runs no worker', async () => {
    const config = await harnessConfig();
    const api = await startHerald(config, { api: true });
    try {
      expect(await healthz(api.handles.apiUrl!)).toBe(200);
      expect(api.handles.worker).toBeUndefined();
      expect(api.handles.apiDeps?.eagerStart).toBe(false);
      expect(await pollers(api.handles.temporal!, config)).toEqual([]);
    } finally {
      await api.stop();
    }
  });

  it('with the worker role alone polls its task queue and listens on no port', async () => {
    const config = await harnessConfig();
    const worker = await startHerald(config, { worker: true });
    try {
      expect(worker.handles.server).toBeUndefined();
      expect(worker.handles.apiUrl).toBeUndefined();
      expect(worker.handles.worker?.getState()).toBe('RUNNING');
      // A worker alone runs its Temporal client on its own connection (as `npm run worker`).
      await waitFor(async () => (await pollers(worker.handles.temporal!, config)).length > 0, 20_000, 'a poller on the task queue');
    } finally {
      await worker.stop();
    }
    expect(worker.handles.worker?.getState()).toBe('STOPPED');
  });

  it('with no role only migrates the database and connects to no Temporal', async () => {
    const config = await harnessConfig();
    const store = await startHerald(config, {}, { noTemporal: true });
    try {
      expect(store.handles.temporal).toBeUndefined();
      expect(await store.handles.db.selectFrom('teams').select('id').execute()).toEqual([]);
    } finally {
      await store.stop();
    }
  });

  it('stop() releases the port, the pool and the worker, so a second Herald starts on the same port', async () => {
    const config = await harnessConfig();
    const port = await freePort();
    const first: Herald = await startHerald(config, { api: true, worker: true, sweeps: true }, { port, eagerStart: true });
    expect(first.handles.apiDeps?.eagerStart).toBe(true);
    expect(await healthz(`http://127.0.0.1:${port}`)).toBe(200);
    await first.stop();
    await first.stop(); // a second stop is a no-op
    expect(first.handles.worker?.getState()).toBe('STOPPED');
    await expect(first.handles.db.selectFrom('teams').select('id').execute()).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const second = await startHerald(config, { api: true, worker: true, sweeps: true }, { port, migrate: false });
    try {
      expect(second.handles.apiUrl).toBe(`http://127.0.0.1:${port}`);
      expect(await healthz(second.handles.apiUrl!)).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('stop() during start() lets the step in progress finish, starts nothing more and releases what was made', async () => {
    const config = await harnessConfig();
    const port = await freePort();
    const herald = await createHerald(config, { roles: { api: true }, overrides: { host: '127.0.0.1', port, startupChecks: false } });
    const started = herald.start();
    await herald.stop();
    await expect(started).rejects.toThrow('Herald was stopped while starting');
    expect(herald.handles.server).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await expect(herald.handles.db.selectFrom('teams').select('id').execute()).rejects.toThrow();
  });
});
