import type { EventRow } from '../db/database.js';

type StoredEvent = Pick<EventRow, 'id' | 'type' | 'created_at' | 'data' | 'data_raw'>;

/**
 * The event's `data` as JSON text: the text the publisher sent (`data_raw`), or, for events
 * stored before that column existed, their `jsonb` value serialised as Herald always did.
 */
export function eventDataText(event: Pick<StoredEvent, 'data' | 'data_raw'>): string {
  return event.data_raw ?? JSON.stringify(event.data);
}

/**
 * The delivered body, `{"id","type","timestamp","data"}` in that order: the envelope is
 * JSON-encoded and `data`'s stored text is spliced in as is, never re-serialised, so the
 * receiver gets it byte for byte and the signature covers exactly the bytes sent.
 */
export function eventBody(event: StoredEvent): string {
  const timestamp = event.created_at.toISOString();
  return `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(timestamp)},"data":${eventDataText(event)}}`;
}
