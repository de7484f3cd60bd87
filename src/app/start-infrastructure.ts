import path from 'node:path';
import type { HeraldConfig } from '../config.js';
import { startEmbeddedPostgres } from '../embedded/embedded-postgres.js';
import { startTemporalDevServer } from '../embedded/temporal-dev-server.js';
import type { Logger } from '../log.js';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** Stops only what this process started. */
  stop(): Promise<void>;
}

/**
 * External services when configured (DATABASE_URL, TEMPORAL_ADDRESS); otherwise embedded ones
 * under the data dir, which survive restarts.
 */
export async function startInfrastructure(config: HeraldConfig, log: Logger, opts: { temporal?: boolean } = {}): Promise<Infrastructure> {
  const stops: (() => Promise<void>)[] = [];
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.embeddedPgPort });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      log.info('embedded PostgreSQL ready', { port: config.embeddedPgPort });
    }
    let temporalAddress = config.temporal.address ?? '';
    let temporalUiUrl = config.temporal.uiUrl;
    if (!config.temporal.address && opts.temporal !== false) {
      const server = await startTemporalDevServer({
        dbFile: path.join(config.dataDir, 'temporal.sqlite'),
        port: config.temporal.devPort,
        uiPort: config.temporal.devUiPort,
        namespace: config.temporal.namespace,
        retentionDays: config.temporal.retentionDays,
        cliPath: config.temporal.cliPath,
        cacheDir: config.cacheDir,
        pathEnv: config.pathEnv,
        goGc: config.temporal.devGoGc,
        goMaxProcs: config.temporal.devGoMaxProcs,
        fairness: config.temporal.devFairness,
        log: (line) => log.info(line),
      });
      stops.push(server.stop);
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
    }
    return {
      databaseUrl,
      temporalAddress,
      temporalUiUrl,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch((err) => log.warn('stop failed', { error: String(err) }));
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}
