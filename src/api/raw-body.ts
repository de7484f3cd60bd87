import type { IncomingMessage } from 'node:http';
import { TRPCError } from '@trpc/server';

/**
 * A request body read as text before tRPC parses it, so a procedure can keep the exact text of
 * what was sent (`events.publish` keeps `data` byte for byte). Bodies above `maxBytes` are
 * refused as soon as they cross it, as tRPC's own limit did, and bytes that are not UTF-8 are
 * refused rather than replaced by U+FFFD, which would change accepted input.
 */
export type RawBody = { kind: 'text'; text: string } | { kind: 'refused'; error: TRPCError } | { kind: 'aborted' };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<RawBody> {
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
      // The rest is drained and dropped; the answer goes out now.
      req.resume();
      finish({ kind: 'refused', error: new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `input: the request body must be at most ${maxBytes} bytes` }) });
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
