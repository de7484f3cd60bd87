import { type Agent, request } from 'undici';

/** One delivery of the floor: the event body Herald would send, and where to POST it. */
export interface FloorDelivery {
  url: string;
  /** The event id (also the body's `id` and the `webhook-id` header). */
  id: string;
  /** The JSON body, already serialised: `{ id, type, timestamp, data }`, Herald's shape. */
  body: string;
}

/**
 * The floor's only activity: POST the body with undici on `agent`, as Herald's delivery agent
 * does (same pool settings), with the whole-attempt budget `timeoutMs`. No signature, no record,
 * no status write. A non-2xx answer throws, so the local activity retries as Herald's would.
 */
export function createFloorActivities(agent: Agent, timeoutMs: number) {
  return {
    async postEvent(d: FloorDelivery): Promise<number> {
      const res = await request(d.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'webhook-id': d.id, 'user-agent': 'herald-bench-floor' },
        body: d.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}`);
      return res.statusCode;
    },
  };
}
export type FloorActivities = ReturnType<typeof createFloorActivities>;
