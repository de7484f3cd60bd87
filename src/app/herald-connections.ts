import type { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { HeraldConfig } from '../config.js';
import { clientOn, connectClient, connectWorker } from '../temporal/connect.js';
import type { HeraldRoles } from './herald-options.js';

export interface HeraldConnections {
  /** The process' Temporal client (sweeps, tests); undefined with no role that needs one. */
  client?: Client;
  /** The client the API starts workflows with: on the worker's connection when eager. */
  apiClient?: Client;
  workerConnection?: NativeConnection;
  close(): Promise<void>;
}

/**
 * Temporal connections for the roles, through the production connection code (TLS, API key):
 * a NativeConnection for the worker; a client Connection for the API (and for sweeps without a
 * worker); a worker alone runs its sweeps' client on its own connection, as `npm run worker`
 * always did. With `eager` (API and worker together), the API's client is on the worker's
 * connection, made once, here.
 */
export async function connectHerald(config: HeraldConfig, address: string, roles: HeraldRoles, eager: boolean): Promise<HeraldConnections> {
  let clientConnection: Connection | undefined;
  let workerConnection: NativeConnection | undefined;
  const close = async () => {
    await workerConnection?.close().catch(() => undefined);
    await clientConnection?.close().catch(() => undefined);
  };
  try {
    let client: Client | undefined;
    if (roles.api || (roles.sweeps && !roles.worker)) ({ client, connection: clientConnection } = await connectClient(config, address));
    if (roles.worker) workerConnection = await connectWorker(config, address);
    if (!client && workerConnection) client = clientOn(config, workerConnection);
    const apiClient = roles.api ? (eager && workerConnection ? clientOn(config, workerConnection) : client) : undefined;
    return { client, apiClient, workerConnection, close };
  } catch (err) {
    await close();
    throw err;
  }
}
