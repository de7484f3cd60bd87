import net from 'node:net';
import type { HeraldConfig } from '../config.js';

/**
 * The Temporal SDK's runtime metrics (workflow task latency, poll counts, sticky cache, slots…)
 * come from its Rust core, which serves them on a Prometheus listener of its own. Herald binds it
 * on loopback and appends its text to `/metrics` (one scrape target per process); operators may
 * also scrape it directly at HERALD_TEMPORAL_METRICS_ADDRESS.
 */
let address: string | undefined;

/** Most a scrape waits for the SDK's listener before answering without its series. */
const FETCH_TIMEOUT_MS = 2_000;

/** A free loopback port, chosen by the kernel and released at once (the SDK binds it next). */
async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The bind address for Runtime.install's Prometheus exporter; remembered for `temporalMetricsText`. */
export async function temporalMetricsBindAddress(config: HeraldConfig): Promise<string> {
  address = config.observability.temporalMetricsAddress ?? `127.0.0.1:${await freeLoopbackPort()}`;
  return address;
}

/** The SDK's current metrics in Prometheus text, or '' when they are off or unreachable (never fails a scrape). */
export async function temporalMetricsText(): Promise<string> {
  if (!address) return '';
  const host = address.replace(/^0\.0\.0\.0:|^\[::\]:/, '127.0.0.1:');
  try {
    const res = await fetch(`http://${host}/metrics`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}
