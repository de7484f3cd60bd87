import { describe, expect, it } from 'vitest';
import { eventBody, eventDataText } from '../../src/delivery/event-body.js';

const created_at = new Date('2026-11-26T12:00:00.000Z');

describe('eventBody', () => {
  it('splices the stored data text in verbatim, after the JSON-encoded envelope, in the documented order', () => {
    const data_raw = '{ "z":1.0, "n":12345678901234567890123,"__proto__":{} }';
    expect(eventBody({ id: 'e"1', type: 'a.b', created_at, data: null, data_raw })).toBe(
      `{"id":"e\\"1","type":"a.b","timestamp":"2026-11-26T12:00:00.000Z","data":${data_raw}}`,
    );
  });

  it('is what JSON.stringify produced before, for canonical data and for rows stored before data_raw', () => {
    const data = { mediaId: 'm1', nested: [1, 'é'] };
    const before = JSON.stringify({ id: 'e1', type: 'a.b', timestamp: created_at.toISOString(), data });
    expect(eventBody({ id: 'e1', type: 'a.b', created_at, data: null, data_raw: JSON.stringify(data) })).toBe(before);
    expect(eventBody({ id: 'e1', type: 'a.b', created_at, data, data_raw: null })).toBe(before);
    expect(eventDataText({ data, data_raw: null })).toBe(JSON.stringify(data));
  });
});
