import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';

/**
 * A request body read as text before tRPC parses it, so a procedure can keep the exact text of
 * what was sent (`events.publish` keeps `data` byte for byte). Bodies above `maxBytes` are
 * refused before a byte is read when Content-Length says so, else as soon as they cross it while
 * streaming; the rest is not read, and `res` closes its connection after the answer. Bytes that are not UTF-8 are
 * refused rather than replaced by U+FFFD, which would change accepted input.
 */
export type RawBody = { kind: 'text'; text: string } | { kind: 'refused'; error: TRPCError } | { kind: 'aborted' };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function readRawBody(req: IncomingMessage, maxBytes: number, res: ServerResponse): Promise<RawBody> {
  const tooLarge = (): RawBody => {
    res.shouldKeepAlive = false;
    return {
      kind: 'refused',
      error: new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `input: the request body must be at most ${maxBytes} bytes` }),
    };
  };
  if (Number(req.headers['content-length']) > maxBytes) return Promise.resolve(tooLarge());
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: RawBody) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // The answer goes out now; the rest is never read.
      req.pause();
      finish(tooLarge());
    };
    const onEnd = () => {
      try {
        finish({ kind: 'text', text: UTF8.decode(Buffer.concat(chunks)) });
      } catch {
        finish({ kind: 'refused', error: new TRPCError({ code: 'BAD_REQUEST', message: 'input: the request body must be valid UTF-8' }) });
      }
    };
    const onAbort = () => finish({ kind: 'aborted' });
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}
