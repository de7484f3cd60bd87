import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_NAME } from '../../src/delivery/event-type-patterns.js';
import { findSeedCatalog, SEED_CATALOGS } from '../../src/catalogs/seed-catalogs.js';

describe('seed catalogs', () => {
  it.each(SEED_CATALOGS.map((c) => [c.id, c] as const))('%s has unique, valid event type names', (_id, catalog) => {
    const names = catalog.eventTypes.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(EVENT_TYPE_NAME);
  });

  it('carries each platform’s documented events', () => {
    expect(findSeedCatalog('pixop')!.eventTypes).toHaveLength(22);
    expect(findSeedCatalog('api-video')!.eventTypes.map((e) => e.name)).toContain('video.encoding.quality.completed');
    expect(findSeedCatalog('fastpix')!.eventTypes.map((e) => e.name)).toContain('video.media.ready');
    const am = findSeedCatalog('asset-manager')!.eventTypes.map((e) => e.name);
    expect(am).toContain('ASSET_ADDED');
    expect(am).toContain('UPDATED_DAG_ACTION_RUN');
  });
});
