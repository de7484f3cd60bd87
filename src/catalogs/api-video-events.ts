import type { CatalogEventType } from './catalog-types.js';

/** api.video (seeds 002/003). */
export const API_VIDEO_EVENTS: readonly CatalogEventType[] = Object.freeze([
  { name: 'video.encoding.quality.completed', description: 'A video was encoded in one more quality (HLS or MP4).' },
  { name: 'live-stream.broadcast.started', description: 'A live stream broadcast has started.' },
  { name: 'live-stream.broadcast.ended', description: 'A live stream broadcast has ended.' },
  { name: 'video.source.recorded', description: 'A live stream recording was submitted for encoding.' },
  { name: 'video.caption.generated', description: 'An automatic caption has been generated.' },
  { name: 'video.summary.generated', description: 'An automatic summary has been generated.' },
]);
