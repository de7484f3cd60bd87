import type { CatalogEventType } from './catalog-types.js';

/** FastPix (seed 004): media events. */
export const FASTPIX_EVENTS: readonly CatalogEventType[] = Object.freeze([
  { name: 'video.media.upload', description: 'Upload media (push): a new media asset was created.' },
  { name: 'video.media.created', description: 'Media created (pull): a direct upload was initiated.' },
  { name: 'video.upload.media_created', description: 'Upload media created: a direct upload finished and its media object was created.' },
  { name: 'video.media.ready', description: 'Media ready: processed and ready for playback.' },
  { name: 'video.media.failed', description: 'Media failed: processing ended in an error.' },
  { name: 'video.media.updated', description: 'Media updated: metadata, privacy or thumbnails changed.' },
  { name: 'video.media.deleted', description: 'Media deleted permanently.' },
]);
