import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { workflowInterceptorModules } from '../../src/observability/tracing.js';
import { bundleWorkflowsInChild } from '../../src/worker/bundle-workflows.js';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.js';

const loadedFromWebpack = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes(`${path.sep}webpack${path.sep}`));

describe('the workflow bundle, built in a child process', () => {
  it('holds every workflow type, and webpack never loads in the calling process', async () => {
    const before = loadedFromWebpack();
    const { code } = await bundleWorkflowsInChild({ workflowsPath: WORKFLOWS_PATH });
    for (const type of [
      'deliveryWorkflow',
      'deliveryWorkflowV2',
      'dispatchWorkflow',
      'dispatchWorkflowV2',
      'orderedDeliveryWorkflow',
      'recoverWorkflow',
    ])
      expect(code).toContain(type);
    expect(code).not.toContain('heraldTrace');
    expect(loadedFromWebpack()).toEqual(before);
  }, 120_000);

  it('includes Herald’s trace interceptors when tracing is on, and no OpenTelemetry module at all', async () => {
    const modules = workflowInterceptorModules(loadConfig({ HERALD_OTEL_ENABLED: 'true' }));
    expect(modules).toHaveLength(1);
    const { code } = await bundleWorkflowsInChild({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: modules });
    expect(code).toContain('heraldTrace');
    expect(code).toContain('RunWorkflow:');
    // Evaluated per workflow by the reusable VM, OpenTelemetry's modules were what made tracing costly.
    expect(code).not.toMatch(/node_modules[\\/]@opentelemetry/);
  }, 120_000);

  it('rejects with the bundler’s error when a workflow module does not compile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bundle-'));
    try {
      const broken = path.join(dir, 'broken.ts');
      fs.writeFileSync(broken, "import { missing } from './nowhere.js';\nexport async function w() { return missing; }\n");
      await expect(bundleWorkflowsInChild({ workflowsPath: broken })).rejects.toThrow(/workflow bundle failed: .*nowhere/s);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
