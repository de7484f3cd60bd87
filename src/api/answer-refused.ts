import type http from 'node:http';
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
  maxBodyBytes: number,
): Promise<void> {
  await Promise.all(
    paths
      .filter((p) => p in procedures)
      .map((p) => observeProcedure(config, p, async () => ({ ok: false, error: { code: error.code, message: error.message } }))),
  );
  const items = paths.map((path) => ({
    error: getTRPCErrorShape({ config: appRouter._def._config, error, type: 'unknown', path, input: undefined, ctx: undefined }),
  }));
  // Lingering close, as web servers do it: the unread body is discarded unparsed (no JSON, no text
  // rules; a few µs a chunk) so that the client reads this answer instead of a connection reset,
  // which a close with unread bytes would send. A body past `maxBodyBytes` ends the connection.
  let seen = 0;
  res.req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBodyBytes) res.req.socket.destroy();
  });
  res
    .writeHead(getHTTPStatusCodeFromError(error), { ...headers, 'content-type': 'application/json' })
    .end(JSON.stringify(isBatch ? items : items[0]));
}
