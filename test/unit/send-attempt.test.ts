import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyNetworkError, createDeliveryAgent, sendAttempt } from '../../src/core/attempt/send-attempt.js';
import type { SendRequest } from '../../src/core/attempt/send-attempt.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
const agent = createDeliveryAgent({});

/** A loopback receiver on an ephemeral port that records every request it gets. */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      handle(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { seen, port, url: `http://127.0.0.1:${port}/hook` };
}

function post(url: string, over: Partial<SendRequest> = {}): SendRequest {
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
    timeoutMs: 5_000,
    maxResponseBytes: 4096,
    ...over,
  };
}

afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await agent.destroy();
});

describe('sendAttempt against a real receiver', () => {
  it('returns a 2xx status with the body and only the kept response headers', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-length': '9',
        'x-internal-token': 'secret',
        'set-cookie': 'a=b',
        'retry-after': '5',
      });
      res.end('ok thanks');
    });
    const result = await sendAttempt(
      agent,
      post(r.url, { method: 'PUT', headers: { 'x-herald': 'yes' } }),
      () => '2030-01-01T00:00:00.000Z',
    );
    expect(result).toMatchObject({
      startedAt: '2030-01-01T00:00:00.000Z',
      statusCode: 200,
      responseBody: 'ok thanks',
      responseBodyTruncated: false,
    });
    expect(result.error).toBeUndefined();
    expect(Object.keys(result.responseHeaders).sort()).toEqual(['content-length', 'content-type', 'date', 'retry-after']);
    expect(result.responseHeaders['retry-after']).toBe('5');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.seen).toEqual([expect.objectContaining({ method: 'PUT', url: '/hook', body: '{"a":1}' })]);
    expect(r.seen[0]?.headers['x-herald']).toBe('yes');
  });

  it('reports a 500 as a status code, not as a network error', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const result = await sendAttempt(agent, post(r.url));
    expect(result.statusCode).toBe(500);
    expect(result.responseBody).toBe('boom');
    expect(result.error).toBeUndefined();
  });

  it('does not follow a 302 redirect', async () => {
    const target = await receiver((_req, res) => res.end('should not be reached'));
    const r = await receiver((_req, res) => {
      res.writeHead(302, { location: target.url });
      res.end();
    });
    const result = await sendAttempt(agent, post(r.url));
    expect(result.statusCode).toBe(302);
    expect(result.error).toBeUndefined();
    expect(target.seen).toHaveLength(0);
  });

  it('keeps a whole body that is exactly the cap and marks it not truncated', async () => {
    const r = await receiver((_req, res) => res.end('x'.repeat(16)));
    const result = await sendAttempt(agent, post(r.url, { maxResponseBytes: 16 }));
    expect(result).toMatchObject({ responseBody: 'x'.repeat(16), responseBodyTruncated: false });
  });

  it('truncates a 10 MB response to the cap and returns quickly', async () => {
    const r = await receiver((_req, res) => res.end(Buffer.alloc(10 * 1024 * 1024, 'a')));
    const result = await sendAttempt(agent, post(r.url, { timeoutMs: 10_000 }));
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'a'.repeat(4096), responseBodyTruncated: true });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('cuts a never-ending chunked response at the cap well within the timeout', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('z'.repeat(1024)), 5);
      res.on('close', () => clearInterval(timer));
    });
    const result = await sendAttempt(agent, post(r.url, { timeoutMs: 10_000, maxResponseBytes: 3000 }));
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'z'.repeat(3000), responseBodyTruncated: true });
    expect(result.error).toBeUndefined();
    expect(result.responseHeaders['transfer-encoding']).toBe('chunked');
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('does not split a multi-byte UTF-8 character at the cap', async () => {
    const r = await receiver((_req, res) => res.end('é'.repeat(10)));
    const result = await sendAttempt(agent, post(r.url, { maxResponseBytes: 5 }));
    expect(result).toMatchObject({ responseBody: 'éé', responseBodyTruncated: true });
  });

  it('reports a receiver that never responds as a timeout before much longer than the budget', async () => {
    const r = await receiver(() => {
      /* never answers */
    });
    const result = await sendAttempt(agent, post(r.url, { timeoutMs: 300 }));
    expect(result.statusCode).toBeUndefined();
    expect(result.error?.kind).toBe('timeout');
    expect(result.durationMs).toBeLessThan(3_000);
  });

  it('reports a body that stalls after the headers as a timeout and keeps the status', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    const result = await sendAttempt(agent, post(r.url, { timeoutMs: 300 }));
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'partial', responseBodyTruncated: true, error: { kind: 'timeout' } });
  });

  it('reports a refused connection as connect without leaking headers or body into the message', async () => {
    const r = await receiver(() => {});
    const closed = servers.pop()!;
    await new Promise((res) => closed.close(res));
    const result = await sendAttempt(agent, post(r.url, { headers: { authorization: 'Bearer hunter2' }, body: '{"card":"4111"}' }));
    expect(result.error?.kind).toBe('connect');
    expect(result.error?.message).not.toMatch(/hunter2|4111/);
    expect(result.error!.message.length).toBeLessThanOrEqual(200);
  });

  it('reports a socket destroyed before any response as reset', async () => {
    const r = await receiver((req) => req.socket.destroy());
    const result = await sendAttempt(agent, post(r.url));
    expect(result.statusCode).toBeUndefined();
    expect(result.error?.kind).toBe('reset');
  });

  it('reports a socket destroyed mid-response as reset and keeps the status and partial body', async () => {
    const r = await receiver((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('half', () => setTimeout(() => req.socket.destroy(), 20));
    });
    const result = await sendAttempt(agent, post(r.url));
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'half', responseBodyTruncated: true, error: { kind: 'reset' } });
  });
});

describe('createDeliveryAgent lookup guard', () => {
  const blocked = Object.assign(new Error('address 10.0.0.1 is not public'), { code: 'EHERALDBLOCKED' });
  let r: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    r = await receiver((_req, res) => res.end('reached'));
  });

  it('dials the address the lookup returns', async () => {
    const guarded = createDeliveryAgent({
      lookup: (_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
        opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4),
    });
    const result = await sendAttempt(guarded, post(`http://receiver.test:${r.port}/ok`));
    await guarded.destroy();
    expect(result.statusCode).toBe(200);
    expect(r.seen.at(-1)?.url).toBe('/ok');
  });

  it.each([
    ['reports the refusal through its callback', (_h: string, _o: unknown, cb: (e: Error) => void) => cb(blocked)],
    [
      'throws',
      () => {
        throw blocked;
      },
    ],
  ])('classifies a lookup that %s as blocked and sends nothing', async (_name, lookup) => {
    const before = r.seen.length;
    const guarded = createDeliveryAgent({ lookup });
    const result = await sendAttempt(guarded, post(`http://internal.test:${r.port}/blocked`));
    await guarded.destroy();
    expect(result.statusCode).toBeUndefined();
    expect(result.error?.kind).toBe('blocked');
    expect(r.seen.length).toBe(before);
  });
});

describe('classifyNetworkError', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  const byCode: Record<string, string[]> = {
    dns: ['ENOTFOUND', 'EAI_AGAIN'],
    connect: ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'],
    tls: [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'CERT_HAS_EXPIRED',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ],
    timeout: ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'],
    reset: ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'],
    blocked: ['EHERALDBLOCKED'],
  };
  const table: [string, unknown, string][] = [
    ...Object.entries(byCode).flatMap(([kind, codes]) => codes.map((c): [string, unknown, string] => [c, err(c), kind])),
    ['an AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'timeout'],
    ['an AbortSignal.timeout reason', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
    ['"other side closed"', new Error('other side closed'), 'reset'],
    ['EHERALDBLOCKED as a cause', new Error('fetch failed', { cause: err('EHERALDBLOCKED') }), 'blocked'],
    ['ENOTFOUND two causes deep', new Error('outer', { cause: new Error('middle', { cause: err('ENOTFOUND') }) }), 'dns'],
    ['an AggregateError of refusals', new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')], 'all failed'), 'connect'],
    ['an AggregateError holding a block', new AggregateError([err('ECONNREFUSED'), err('EHERALDBLOCKED')], 'x'), 'blocked'],
    ['an unknown Error', new Error('something odd'), 'other'],
    ['a thrown string', 'a string', 'other'],
    ['undefined', undefined, 'other'],
  ];
  it.each(table)('classifies %s as its kind', (_label, input, kind) => {
    expect(classifyNetworkError(input).kind).toBe(kind);
  });

  it('keeps messages to one short line', () => {
    const { message } = classifyNetworkError(err('ECONNRESET', `line one\nline two ${'x'.repeat(500)}`));
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThanOrEqual(200);
    expect(message.startsWith('ECONNRESET')).toBe(true);
  });

  it('survives a cause cycle', () => {
    const a = err('EWHAT') as Error & { cause?: unknown };
    a.cause = new Error('b', { cause: a });
    expect(classifyNetworkError(a).kind).toBe('other');
  });
});
