import type http from 'node:http';
import { readRawBody } from './raw-body.js';

/**
 * A built-in webhook receiver for local development, mounted only when
 * HERALD_ALLOW_PRIVATE_TARGETS is on: `POST|PUT|PATCH /dev/echo/<channel>` records the request
 * and answers 200; `GET /dev/echo/<channel>` returns what that channel received, oldest first.
 * It lets a first webhook (`http://127.0.0.1:3000/dev/echo/first`) get a delivery on a machine
 * without internet. In memory only, per API process, unauthenticated: anyone who can reach the
 * API can read a channel, which is why it exists only behind the development flag.
 */
export const ECHO_PER_CHANNEL = 50;
export const ECHO_CHANNELS = 100;
/** Bodies are kept up to this many characters (a delivered event is at most ~256 KiB). */
const ECHO_BODY_CHARS = 300 * 1024;
const CHANNEL = /^\/dev\/echo\/([A-Za-z0-9_-]{1,64})\/?$/;

export interface EchoRecord {
  receivedAt: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

export function createDevEcho(maxBodyBytes: number) {
  const channels = new Map<string, EchoRecord[]>();

  function record(channel: string, entry: EchoRecord): void {
    let list = channels.get(channel);
    if (!list) {
      // The oldest channel goes first once there are too many (a Map keeps insertion order).
      if (channels.size >= ECHO_CHANNELS) channels.delete(channels.keys().next().value!);
      channels.set(channel, (list = []));
    }
    list.push(entry);
    if (list.length > ECHO_PER_CHANNEL) list.shift();
  }

  /** Answers `/dev/echo/...`; false for any other path. */
  return async function serveDevEcho(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<boolean> {
    if (!pathname.startsWith('/dev/echo')) return false;
    const channel = CHANNEL.exec(pathname)?.[1];
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!channel) {
      json(404, {
        error: {
          code: 'NOT_FOUND',
          message: 'channel: must be 1–64 letters, digits, `_` or `-` (/dev/echo/<channel>)',
          httpStatus: 404,
          issues: null,
        },
      });
      return true;
    }
    if (req.method === 'GET') {
      json(200, { channel, data: channels.get(channel) ?? [] });
      return true;
    }
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') {
      res.setHeader('allow', 'GET, POST, PUT, PATCH');
      json(405, {
        error: { code: 'METHOD_NOT_SUPPORTED', message: `${req.method} is not allowed on ${pathname}`, httpStatus: 405, issues: null },
      });
      return true;
    }
    const body = await readRawBody(req, maxBodyBytes, res);
    if (body.kind === 'aborted') return true;
    if (body.kind === 'refused') {
      json(413, { error: { code: body.error.code, message: body.error.message, httpStatus: 413, issues: null } });
      return true;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    record(channel, { receivedAt: new Date().toISOString(), method: req.method, headers, body: body.text.slice(0, ECHO_BODY_CHARS) });
    json(200, { received: true });
    return true;
  };
}
