import type { HeraldClient } from '../src/api/client.js';

export interface PublishReport {
  accepted: string[];
  /** Error code (or message) → count, for calls that were refused or failed. */
  refused: Record<string, number>;
  /** Largest time one publish call took, ms: a down dependency must fail fast, not hang. */
  slowestMs: number;
  /** Accepted event id → when its publish call started (epoch ms). */
  sentAtMs: Map<string, number>;
}

/**
 * Publishes `count` events at `ratePerSecond` (open loop), calling `onHalf` once half the
 * events have been offered. Refused calls are counted, not retried: only accepted events count.
 * Given several clients (one per API process), call i goes to client i mod n, with no failover.
 */
export async function publishSteadily(
  clients: HeraldClient | HeraldClient[],
  type: string,
  count: number,
  ratePerSecond: number,
  onHalf: () => Promise<void>,
): Promise<PublishReport> {
  const all = Array.isArray(clients) ? clients : [clients];
  const report: PublishReport = { accepted: [], refused: {}, slowestMs: 0, sentAtMs: new Map() };
  const start = Date.now();
  const calls: Promise<void>[] = [];
  let fault: Promise<void> | undefined;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / ratePerSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (i === Math.floor(count / 2)) fault = onHalf();
    calls.push(
      (async () => {
        const t0 = Date.now();
        try {
          const e = await all[i % all.length]!.events.publish.mutate({ type, data: { i } });
          report.accepted.push(e.id);
          report.sentAtMs.set(e.id, t0);
        } catch (err) {
          const reason = (err as { data?: { code?: string } }).data?.code ?? (err as Error).message.slice(0, 40);
          const code = all.length > 1 ? `${reason} (API ${(i % all.length) + 1})` : reason;
          report.refused[code] = (report.refused[code] ?? 0) + 1;
        } finally {
          report.slowestMs = Math.max(report.slowestMs, Date.now() - t0);
        }
      })(),
    );
  }
  await Promise.all(calls);
  await fault;
  return report;
}
