import type { CatalogEventType } from './catalog-types.js';

/** Pixop (seed 000): the event types a webhook can subscribe to. */
export const PIXOP_EVENTS: readonly CatalogEventType[] = Object.freeze([
  { name: 'video_in.started', description: 'Input video copy operation has started' },
  { name: 'video_in.done', description: 'Input video copy operation completed' },
  { name: 'video_in.failed', description: 'Input video copy operation failed' },
  { name: 'video_in_ingestion.started', description: 'Ingestion of input video has started' },
  { name: 'video_in_ingestion.done', description: 'Ingestion of input video completed' },
  { name: 'video_in_ingestion.failed', description: 'Ingestion of input video failed' },
  { name: 'clip_processing.started', description: 'Video clip processing has started' },
  { name: 'clip_processing.done', description: 'Video clip processing completed' },
  { name: 'clip_processing.failed', description: 'Video clip processing failed' },
  { name: 'clip_ingestion.started', description: 'Ingestion of video clip has started' },
  { name: 'clip_ingestion.done', description: 'Ingestion of video clip completed' },
  { name: 'clip_ingestion.failed', description: 'Ingestion of video clip failed' },
  { name: 'video_processing.started', description: 'Video processing has started' },
  { name: 'video_processing.done', description: 'Video processing completed' },
  { name: 'video_processing.failed', description: 'Video processing failed' },
  { name: 'video_processing_ingestion.started', description: 'Ingestion of processed video has started' },
  { name: 'video_processing_ingestion.done', description: 'Ingestion of processed video completed' },
  { name: 'video_processing_ingestion.failed', description: 'Ingestion of processed video failed' },
  { name: 'video_out.started', description: 'Output video copy operation has started' },
  { name: 'video_out.done', description: 'Output video copy operation completed' },
  { name: 'video_out.failed', description: 'Output video copy operation failed' },
  { name: 'video.deleted', description: 'Video has been deleted' },
]);
