import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devStoreFairness } from '../../src/embedded/dev-store-fairness.js';
import { devServerDynamicConfig } from '../../src/embedded/temporal-dev-server.js';
import { clusterDynamicConfigFile } from '../../tools/cluster/temporal-cluster.js';

describe('devStoreFairness', () => {
  let dir: string;
  let dbFile: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-fairness-'));
    dbFile = path.join(dir, 'temporal.sqlite');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('gives an in-memory store the mode asked for', async () => {
    expect(await devStoreFairness(undefined, true)).toBe(true);
    expect(await devStoreFairness(undefined, false)).toBe(false);
  });

  it('creates a new store with the mode asked for and records it', async () => {
    expect(await devStoreFairness(dbFile, true)).toBe(true);
    expect(await fs.readFile(`${dbFile}.fairness`, 'utf8')).toBe('on\n');
  });

  it('keeps a store created before fairness existed off, and says so', async () => {
    await fs.writeFile(dbFile, 'sqlite');
    const lines: string[] = [];
    expect(await devStoreFairness(dbFile, true, (l) => lines.push(l))).toBe(false);
    expect(await fs.readFile(`${dbFile}.fairness`, 'utf8')).toBe('off\n');
    expect(lines.join('\n')).toMatch(/fairness stays off/);
    // And on every later start, whatever is asked.
    expect(await devStoreFairness(dbFile, true)).toBe(false);
  });

  it('never switches a store created with fairness on back off', async () => {
    expect(await devStoreFairness(dbFile, true)).toBe(true);
    await fs.writeFile(dbFile, 'sqlite');
    const lines: string[] = [];
    expect(await devStoreFairness(dbFile, false, (l) => lines.push(l))).toBe(true);
    expect(lines.join('\n')).toMatch(/fairness stays on/);
  });

  it('turns the mode into the dev server flag, and a test partition count into two more, always beside the 5 s long poll', () => {
    const poll = ['--dynamic-config-value', 'matching.longPollExpirationInterval="5s"'];
    expect(devServerDynamicConfig({ fairness: true })).toEqual([...poll, '--dynamic-config-value', 'matching.enableFairness=true']);
    expect(devServerDynamicConfig({})).toEqual([...poll, '--dynamic-config-value', 'matching.enableFairness=true']);
    expect(devServerDynamicConfig({ fairness: false })).toEqual(poll);
    expect(devServerDynamicConfig({ fairness: true, partitions: 1 })).toEqual([
      ...poll,
      '--dynamic-config-value',
      'matching.enableFairness=true',
      '--dynamic-config-value',
      'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value',
      'matching.numTaskqueueWritePartitions=1',
    ]);
  });
});

describe('clusterDynamicConfigFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-cluster-dc-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('uses the shipped dynamic config, which turns fairness on, for a store created with it', async () => {
    const file = await clusterDynamicConfigFile(dir, true);
    expect(file).toMatch(/deploy\/temporal\/dynamicconfig\/herald\.yaml$/);
    expect(await fs.readFile(file, 'utf8')).toMatch(/^matching\.enableFairness:\n\s+- value: true$/m);
  });

  it('writes a copy with fairness off, and nothing else changed, for a store created without it', async () => {
    const shipped = await fs.readFile(await clusterDynamicConfigFile(dir, true), 'utf8');
    const file = await clusterDynamicConfigFile(dir, false);
    expect(path.dirname(file)).toBe(dir);
    const off = await fs.readFile(file, 'utf8');
    expect(off).toMatch(/^matching\.enableFairness:\n\s+- value: false$/m);
    expect(off.replace('- value: false', '- value: true')).toBe(shipped);
  });
});
