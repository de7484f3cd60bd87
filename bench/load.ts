import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { type Summary, sleep, summarize } from './stats.js';

/** Sends call i, whose intended send time is `sentAt` (epoch ms). Rejects on failure. */
export type Send = (i: number, sentAt: number) => Promise<unknown>;

export interface OpenLoadResult {
  rate: number;
  /** Calls the schedule asked for (rate × seconds). */
  offered: number;
  /** Calls that answered successfully. */
  ok: number;
  /** Calls that failed (HTTP error, exception). */
  errors: number;
  /** Calls not issued because `maxInFlight` calls were already outstanding (counted as failures). */
  dropped: number;
  /** Intended time of call 0 and the end of the schedule (epoch ms). */
  start: number;
  end: number;
  /** Time from intended send to the call's answer, ms (the publish API's response time, queueing included). */
  callLatency: Summary;
}

/**
 * Open-model (constant arrival rate) load: call i is issued at start + i·1000/rate whether or not
 * earlier calls finished, and its latency is counted from that intended time. When the event loop
 * falls behind, late calls go out at once (catch-up) but keep their intended times, so a slow
 * system is never given the chance to slow the load down (no coordinated omission).
 * Bounded: `rate × seconds` calls, at most `maxInFlight` outstanding, and the final wait for
 * stragglers is capped at `drainCapMs`.
 */
export async function openLoad(opts: {
  rate: number;
  seconds: number;
  send: Send;
  maxInFlight?: number;
  drainCapMs?: number;
}): Promise<OpenLoadResult> {
  const { rate, seconds, send } = opts;
  const maxInFlight = opts.maxInFlight ?? 2_000;
  const offered = Math.max(1, Math.round(rate * seconds));
  const start = Date.now() + 20;
  const latencies: number[] = [];
  const calls: Promise<void>[] = [];
  let inFlight = 0;
  let ok = 0;
  let errors = 0;
  let dropped = 0;
  for (let i = 0; i < offered; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 1) await sleep(wait);
    if (inFlight >= maxInFlight) {
      dropped++;
      continue;
    }
    inFlight++;
    calls.push(
      send(i, due)
        .then(
          () => {
            ok++;
            latencies.push(Date.now() - due);
          },
          () => {
            errors++;
          },
        )
        .finally(() => {
          inFlight--;
        }),
    );
  }
  await Promise.race([Promise.all(calls), sleep(opts.drainCapMs ?? 60_000)]);
  return {
    rate,
    offered,
    ok,
    errors: errors + (calls.length - ok - errors),
    dropped,
    start,
    end: start + (offered * 1000) / rate,
    callLatency: summarize(latencies),
  };
}

/** `data` padding so the event's `data` JSON is about `payloadBytes` long. */
export function padding(payloadBytes: number): string {
  const skeleton = JSON.stringify({ sentAt: 1_800_000_000_000.123, i: 100_000, pad: '' }).length;
  return 'x'.repeat(Math.max(0, payloadBytes - skeleton));
}

/** `orderingKey`: for fifo webhooks (the ordered scenario). */
export type Publish = (type: string, data: Record<string, unknown>, orderingKey?: string) => Promise<unknown>;

/**
 * Publishes over HTTP as curl would: `POST /trpc/events.publish` with a JSON body, on a keep-alive
 * undici pool. The whole API path (tRPC, auth, Postgres insert, workflow start) is measured, and
 * the generator itself costs as little CPU as the raw baseline's sender (it shares the process).
 */
export function httpPublisher(apiUrl: string, apiKey: string, connections = 50) {
  const pool = new Pool(apiUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const publish: Publish = async (type, data, orderingKey) => {
    const res = await pool.request({
      path: '/trpc/events.publish',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(orderingKey === undefined ? { type, data } : { type, data, orderingKey }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`publish answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return text;
  };
  return { publish, close: () => pool.close() };
}

/** Sends call i as an event of `type` whose data carries its intended send time. */
export function publisher(publish: Publish, type: string, payloadBytes: number): Send {
  const pad = padding(payloadBytes);
  return (i, sentAt) => publish(type, { sentAt, i, pad });
}

/**
 * The raw baseline: the same receiver driven by plain undici with keep-alive, on as many
 * connections as Herald's delivery agent uses (50, src/worker/create-activity-deps.ts). The body
 * has Herald's shape and size; nothing is signed, stored or scheduled.
 */
export function rawSender(receiverUrl: string, connections: number, payloadBytes: number) {
  const pool = new Pool(receiverUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const pad = padding(payloadBytes);
  let n = 0;
  const send: Send = async (i, sentAt) => {
    const id = `raw_${n++}`;
    const res = await pool.request({
      path: '/raw/0',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'user-agent': 'herald-bench-raw' },
      body: JSON.stringify({ id, type: 'bench.raw', timestamp: new Date(sentAt).toISOString(), data: { sentAt, i, pad } }),
    });
    await res.body.dump();
    if (res.statusCode >= 300) throw new Error(`status ${res.statusCode}`);
  };
  return { send, close: () => pool.close() };
}

/**
 * Closed loop at fixed concurrency for `seconds`: each of `concurrency` loops sends, waits for
 * the answer, sends again. The ceiling in requests/s, with per-request latency (ms).
 */
export async function closedLoop(concurrency: number, seconds: number, send: Send) {
  const t0 = performance.now();
  const endAt = t0 + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endAt) {
        const s = performance.now();
        try {
          await send(i++, Date.now());
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return {
    concurrency,
    seconds: elapsed,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    latency: summarize(latencies),
  };
}
