import { API_VIDEO_EVENTS } from './api-video-events.js';
import { ASSET_MANAGER_EVENTS } from './asset-manager-events.js';
import type { SeedCatalog } from './catalog-types.js';
import { FASTPIX_EVENTS } from './fastpix-events.js';
import { PIXOP_EVENTS } from './pixop-events.js';

export type { CatalogEventType, SeedCatalog } from './catalog-types.js';

/** The four seed platforms' event lists, ready to import into a team's catalog. */
export const SEED_CATALOGS: readonly SeedCatalog[] = Object.freeze([
  { id: 'pixop', title: 'Pixop video processing', eventTypes: PIXOP_EVENTS },
  { id: 'asset-manager', title: 'Asset manager', eventTypes: ASSET_MANAGER_EVENTS },
  { id: 'api-video', title: 'api.video', eventTypes: API_VIDEO_EVENTS },
  { id: 'fastpix', title: 'FastPix', eventTypes: FASTPIX_EVENTS },
]);

export function findSeedCatalog(id: string): SeedCatalog | undefined {
  return SEED_CATALOGS.find((c) => c.id === id);
}
