import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * `npm run record-histories`: drives one workflow of each history shape against the real
 * services of the integration tests (global setup) and saves the histories as replay fixtures
 * in test/fixtures/histories/. Not part of `npm test`; see docs/workflow-versioning.md.
 */
export default defineConfig({
  test: {
    root: path.resolve(import.meta.dirname, '../..'),
    include: ['test/replay/*.record.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
