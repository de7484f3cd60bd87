import fs from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { HeraldConfig } from '../config.js';
import { temporalClientInterceptors } from '../observability/tracing.js';

/** TLS and API-key settings shared by client and worker connections (Temporal Cloud). */
async function connectionSettings(config: HeraldConfig, address: string) {
  const t = config.temporal;
  const tlsWanted = t.tls || Boolean(t.tlsCertPath) || Boolean(t.apiKey);
  let tls: ConnectionOptions['tls'];
  if (tlsWanted) {
    const [crt, key, ca] = await Promise.all([
      t.tlsCertPath ? fs.readFile(t.tlsCertPath) : undefined,
      t.tlsKeyPath ? fs.readFile(t.tlsKeyPath) : undefined,
      t.tlsCaPath ? fs.readFile(t.tlsCaPath) : undefined,
    ]);
    tls = {
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
    };
  }
  return { address, tls, apiKey: t.apiKey };
}

export async function connectClient(config: HeraldConfig, address: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(await connectionSettings(config, address));
  // With tracing on (observability/tracing.ts), starts carry the caller's trace context to the workflow.
  return {
    client: new Client({ connection, namespace: config.temporal.namespace, interceptors: temporalClientInterceptors(config) }),
    connection,
  };
}

/**
 * A client on a worker's NativeConnection (`npm start`, `npm run worker`): starts then go out on
 * the worker's own connection, which is what lets the server hand a started workflow's first
 * task straight back to this worker (eager start).
 */
export function clientOn(config: HeraldConfig, connection: NativeConnection): Client {
  return new Client({ connection, namespace: config.temporal.namespace, interceptors: temporalClientInterceptors(config) });
}

export async function connectWorker(config: HeraldConfig, address: string): Promise<NativeConnection> {
  const s = await connectionSettings(config, address);
  return NativeConnection.connect(s as NativeConnectionOptions);
}
