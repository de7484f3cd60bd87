import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The child's side: keeps one body, and on each `go` sends one HTTP/1.1 request over a bare
 * socket and reports the status and the response head and text once the server has answered.
 */
const CHILD = `
const net = require('node:net');
let body;
process.on('message', (m) => {
  if (m.body !== undefined) { body = Buffer.from(m.body, 'base64'); return process.send({ ready: true }); }
  const { hostname, port } = new URL(m.url);
  const socket = net.connect(Number(port), hostname);
  const chunks = [];
  let done = false;
  const finish = () => {
    if (done) return;
    const all = Buffer.concat(chunks).toString('utf8');
    const split = all.indexOf('\\r\\n\\r\\n');
    if (split < 0 && !socket.destroyed) return;
    done = true;
    socket.destroy();
    process.send({ status: Number(all.split(' ')[1]), head: all.slice(0, split), text: all.slice(split + 4) });
  };
  // Done once the whole answer is in (its Content-Length), or when the server closes.
  const complete = () => {
    const all = Buffer.concat(chunks);
    const split = all.indexOf('\\r\\n\\r\\n');
    if (split < 0) return false;
    const m = /\\r\\ncontent-length: *(\\d+)/i.exec(all.subarray(0, split).toString('latin1'));
    return m !== null && all.length - split - 4 >= Number(m[1]);
  };
  socket.on('data', (c) => { chunks.push(c); if (complete()) { socket.destroy(); finish(); } });
  socket.on('close', finish);
  socket.on('error', () => undefined);
  const lines = [m.method + ' ' + m.path + ' HTTP/1.1', 'host: ' + hostname, 'connection: close', 'content-length: ' + body.length, ...Object.entries(m.headers).map(([k, v]) => k + ': ' + v)];
  socket.write(lines.join('\\r\\n') + '\\r\\n\\r\\n');
  socket.write(body);
});
`;

/**
 * An HTTP client in a process of its own, so that `process.cpuUsage()` around a request in the
 * test process measures the server (the API under test), not the client writing the body.
 * Responses must close their connection (the requester asks for `connection: close`).
 */
export async function startRemoteRequester(body: Buffer) {
  const dir = mkdtempSync(path.join(tmpdir(), 'requester-'));
  const file = path.join(dir, 'requester.cjs');
  writeFileSync(file, CHILD);
  const child: ChildProcess = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
  const ready = next();
  child.send({ body: body.toString('base64') });
  await ready;
  return {
    /** Sends the body once; resolves with the status, the response head and its body text (chunk framing left in). */
    async request(
      url: string,
      method: string,
      requestPath: string,
      headers: Record<string, string>,
    ): Promise<{ status: number; head: string; text: string }> {
      const reply = next();
      child.send({ url, method, path: requestPath, headers });
      return (await reply) as { status: number; head: string; text: string };
    },
    close: () => void child.kill(),
  };
}
