import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { HeraldConfig } from '../config.js';

/** The SDK logs at Herald's level, but never chattier than `warn` unless debugging. Call before connecting. */
export function installRuntime(config: HeraldConfig): void {
  const level = config.logLevel === 'debug' ? 'DEBUG' : config.logLevel === 'error' ? 'ERROR' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(level) });
}
