import { DefaultLogger, type ReplayResult, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowsInChild } from '../../src/worker/bundle-workflows.js';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { loadFixtures, searchableText, SHAPES, shapeOf } from '../replay/fixtures.js';

/**
 * Every recorded history (test/fixtures/histories, `npm run record-histories`) must replay on
 * the current workflow code: a deploy must not break deliveries parked in an older history.
 * A change to a workflow's commands fails here unless it is gated with patched().
 * No server is needed: the replayer runs the workflow bundle against each history.
 */
const fixtures = loadFixtures();

describe('recorded workflow histories replay on the current workflow code', () => {
  const results = new Map<string, ReplayResult>();
  beforeAll(async () => {
    // Warnings and errors only: the replay worker's lifecycle lines are noise here.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    // Built the way the worker builds it (worker/bundle-workflows.ts).
    const workflowBundle = await bundleWorkflowsInChild({ workflowsPath: WORKFLOWS_PATH });
    const histories = fixtures.map((f) => ({ workflowId: f.name, history: f.history }));
    for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'herald-fixtures' }, histories))
      results.set(r.workflowId, r);
  }, 120_000);

  it('there is a recorded history for every delivery and dispatch shape', () => {
    const recorded = new Set(fixtures.map((f) => shapeOf(f.name)));
    expect(SHAPES.filter((s) => !recorded.has(s))).toEqual([]);
  });

  it.each(fixtures.map((f) => f.name))('the %s history replays without a determinism or replay error', (name) => {
    const r = results.get(name);
    expect(r, `replay result for ${name}`).toBeDefined();
    if (r!.error) throw r!.error;
  });

  it('no recorded history holds a webhook signing secret or an API key', () => {
    const leaking = fixtures.filter((f) => /whsec_|hk_[0-9a-f]{8}_/.test(searchableText(f.text))).map((f) => f.name);
    expect(leaking).toEqual([]);
  });
});
