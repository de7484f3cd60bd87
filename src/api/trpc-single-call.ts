import type http from 'node:http';
import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape } from '@trpc/server';
import { appRouter } from './app-router.js';
import type { Context } from './context.js';
import type { Logger } from '../log.js';

/**
 * The hot procedures answered without tRPC's HTTP adapter: a single (unbatched) JSON POST to one
 * of these is called with callTRPCProcedure, as REST calls them (rest/rest-handler.ts), and
 * answered with the bytes, status and headers the adapter sends. The adapter turns every request
 * into a Fetch Request and every answer into a web stream; for `events.publish` that was a fifth
 * of the API's CPU per call. Anything else a request may ask of the adapter (batches, JSON lines,
 * another content type, a body that is not JSON) goes through the adapter as before.
 */
const SINGLE_CALL_MUTATIONS = new Set(['events.publish']);

/** The response headers the adapter sends with every answer (resolveResponse's `vary`). */
const ADAPTER_HEADERS = { vary: 'trpc-accept, accept', 'content-type': 'application/json' };

/** The input of a request the single-call path can answer, or undefined (the adapter answers it). */
export function singleCallInput(req: http.IncomingMessage, paths: readonly string[], bodyText: string): { input: unknown } | undefined {
  if (req.method !== 'POST' || paths.length !== 1 || !SINGLE_CALL_MUTATIONS.has(paths[0]!)) return undefined;
  if (/[?&]batch=1(&|$)/.test(req.url ?? '')) return undefined;
  const type = req.headers['content-type']?.toLowerCase().split(';', 1)[0]?.trim();
  if (type !== 'application/json' || req.headers['trpc-accept'] !== undefined) return undefined;
  if (req.headers.accept?.split(',').some((t) => t.trim() === 'application/jsonl')) return undefined;
  if (!bodyText) return undefined;
  try {
    return { input: JSON.parse(bodyText) };
  } catch {
    return undefined; // the adapter answers PARSE_ERROR in its own words
  }
}

/** Calls `path` with `input` and answers as the adapter would: `{"result":{"data":…}}` or `{"error":<shape>}`. */
export async function answerSingleCall(res: http.ServerResponse, ctx: Context, path: string, input: unknown, log: Logger): Promise<void> {
  let status = 200;
  let body: unknown;
  try {
    const data = await callTRPCProcedure({
      router: appRouter,
      path,
      getRawInput: async () => input,
      ctx,
      type: 'mutation',
      signal: undefined,
      batchIndex: 0,
    });
    body = { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    if (error.code === 'INTERNAL_SERVER_ERROR') log.error('api error', { path, message: error.message });
    const shape = getTRPCErrorShape({ config: appRouter._def._config, error, type: 'mutation', path, input, ctx });
    status = shape.data.httpStatus;
    body = { error: shape };
  }
  if (res.headersSent) return;
  res.writeHead(status, { ...ADAPTER_HEADERS, ...ctx.responseHeaders }).end(JSON.stringify(body));
}
