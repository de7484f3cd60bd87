import type { HeraldConfig } from '../config.js';
import type { Logger } from '../log.js';
import { type Infrastructure, startInfrastructure } from './start-infrastructure.js';
import type { HeraldOverrides } from './herald-options.js';

/**
 * The config with the overrides' service addresses in it, so `handles.config` says what Herald
 * actually uses (DATABASE_URL and TEMPORAL_ADDRESS set mean "external, production").
 */
export function effectiveConfig(config: HeraldConfig, o: HeraldOverrides): HeraldConfig {
  const databaseUrl = o.infra?.databaseUrl ?? o.databaseUrl ?? config.databaseUrl;
  const address = o.infra ? o.infra.temporalAddress || undefined : (o.temporalAddress ?? config.temporal.address);
  return { ...config, databaseUrl, temporal: { ...config.temporal, address } };
}

/**
 * Services Herald runs on: the given ones (left running by `stop()`), else DATABASE_URL and
 * TEMPORAL_ADDRESS, else embedded PostgreSQL and a Temporal dev server under the data dir.
 */
export async function resolveInfrastructure(config: HeraldConfig, log: Logger, o: HeraldOverrides): Promise<Infrastructure> {
  if (o.infra) return { ...o.infra, stop: async () => undefined };
  return startInfrastructure(config, log, { temporal: !o.noTemporal });
}
