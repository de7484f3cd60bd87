import net from 'node:net';

/**
 * One HTTP/1.1 request over a bare socket: the head, then `body` written whole, so the test
 * process spends almost nothing on the client side (a `process.cpuUsage` delta is the server's).
 * Resolves with the status and the response text once the server has answered and closed, or,
 * for a kept-alive connection, once `Content-Length` bytes of response body have arrived.
 */
/** The body of a chunked response (`<hex size>\r\n<data>\r\n` … `0\r\n\r\n`); sizes count bytes. */
function dechunk(raw: string): string {
  const bytes = Buffer.from(raw);
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at);
    const size = parseInt(bytes.subarray(at, eol).toString(), 16);
    if (!(size > 0)) return Buffer.concat(out).toString('utf8');
    out.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: string; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return void (socket.destroyed && reject(new Error(`no response head: ${JSON.stringify(all.slice(0, 200))}`)));
      const head = all.slice(0, split);
      const raw = all.slice(split + 4);
      const chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      const complete = chunked ? /(^|\r\n)0\r\n\r\n$/.test(raw) : length !== undefined && Buffer.byteLength(raw) >= Number(length);
      if (!socket.destroyed && !complete) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(head.split(' ')[1]), headers: head, text: chunked ? dechunk(raw) : raw });
    };
    socket.on('data', (c: Buffer) => (chunks.push(c), finish()));
    socket.on('close', finish);
    // The server may close before it takes the whole body (that is the point): not an error here.
    socket.on('error', () => undefined);
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostname}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body && !headers['transfer-encoding']) lines.push(`content-length: ${body.length}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (body) socket.write(body);
  });
}
