import type http from 'node:http';
import type { Socket } from 'node:net';
import { getTRPCErrorShape, type TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { HeraldConfig } from '../config.js';
import { observeProcedure } from '../observability/api-metrics.js';
import { appRouter } from './app-router.js';

const procedures = appRouter._def.procedures as Record<string, unknown>;

/**
 * Answers a tRPC request the gate refused (request-gate.ts: no valid key, address blocked, rate
 * limit) without handing it to tRPC's adapter, whose request conversion costs more CPU than the
 * refusal itself. The body is tRPC's own (one error per call of a batch, from the same error
 * formatter, so clients parse it as usual), each call of a known procedure is timed and labelled
 * as tRPC would have, and the body is discarded unparsed.
 */
export async function answerRefused(
  res: http.ServerResponse,
  config: HeraldConfig,
  error: TRPCError,
  paths: string[],
  isBatch: boolean,
  headers: Record<string, string>,
): Promise<void> {
  await Promise.all(
    paths
      .filter((p) => p in procedures)
      .map((p) => observeProcedure(config, p, async () => ({ ok: false, error: { code: error.code, message: error.message } }))),
  );
  const items = paths.map((path) => ({
    error: getTRPCErrorShape({ config: appRouter._def._config, error, type: 'unknown', path, input: undefined, ctx: undefined }),
  }));
  // The body is never read. The connection closes after the answer, gently: our side ends
  // (FIN) at once, and the socket is destroyed LINGER_MS later, so the client has read this
  // answer before any reset that its unread bytes cause (closing with unread bytes in the
  // receive buffer sends one, and a reset can make the peer's kernel drop the answer unread).
  res.shouldKeepAlive = false;
  lingerOnClose(res.req.socket);
  res
    .writeHead(getHTTPStatusCodeFromError(error), { ...headers, 'content-type': 'application/json' })
    .end(JSON.stringify(isBatch ? items : items[0]));
}

/** How long a refused connection stays open, unread, after the answer (ms). */
export const LINGER_MS = 1_000;

/**
 * Node closes a `Connection: close` socket once the answer is flushed (destroySoon); this socket
 * instead ends its writing side then and is destroyed LINGER_MS later, or when the peer closes.
 */
function lingerOnClose(socket: Socket): void {
  // Unread means unread: no more of the body comes off the wire (Node's parser would pull it).
  socket.pause();
  socket.destroySoon = () => {
    socket.pause();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  };
}
