import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { HeraldConfig } from '../config.js';
import { temporalMetricsBindAddress } from '../observability/temporal-metrics.js';

/**
 * The SDK logs at Herald's level, but never chattier than `warn` unless debugging. With metrics on
 * (HERALD_METRICS_ENABLED), the SDK's runtime metrics go to a loopback Prometheus listener that
 * `/metrics` proxies (observability/temporal-metrics.ts). Once per process, before connecting.
 */
export async function installRuntime(config: HeraldConfig): Promise<void> {
  const level = config.logLevel === 'debug' ? 'DEBUG' : config.logLevel === 'error' ? 'ERROR' : 'WARN';
  const metrics = config.observability.metricsEnabled
    ? {
        metrics: {
          prometheus: { bindAddress: await temporalMetricsBindAddress(config), countersTotalSuffix: true, useSecondsForDurations: true },
        },
      }
    : {};
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { ...metrics } });
}
