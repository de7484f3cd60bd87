import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryAgent, sendAttempt } from '../../src/core/attempt/send-attempt.js';
import { buildWebhookHeaders, signPayload } from '../../src/delivery/sign-payload.js';
import { generateWebhookSecret, isValidWebhookSecret, secretKeyBytes } from '../../src/delivery/webhook-secret.js';

const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const agent = createDeliveryAgent({});
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await agent.destroy();
});

/** Delivers a signed message to the loopback receiver and returns what arrived. */
async function deliver(secrets: string[], body = '{"type":"invoice.paid","data":{"amount":"€12"}}') {
  const headers = buildWebhookHeaders({
    msgId: `msg_${received.length}`,
    timestampSeconds: Math.floor(Date.now() / 1000),
    body,
    secrets,
    userAgent: 'Herald/test',
  });
  const result = await sendAttempt(agent, { url, method: 'POST', headers, body, timeoutMs: 5_000, maxResponseBytes: 1024 });
  expect(result.statusCode).toBe(200);
  const got = received.at(-1)!;
  return { body: got.body, headers: got.headers as Record<string, string> };
}

describe('webhook secrets', () => {
  it('generates distinct whsec_ secrets of 32 random bytes by default', () => {
    const a = generateWebhookSecret();
    expect(a.startsWith('whsec_')).toBe(true);
    expect(isValidWebhookSecret(a)).toBe(true);
    expect(secretKeyBytes(a)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('generates secrets from 24 to 64 bytes and rejects other lengths', () => {
    expect(secretKeyBytes(generateWebhookSecret(24))).toHaveLength(24);
    expect(secretKeyBytes(generateWebhookSecret(64))).toHaveLength(64);
    for (const bad of [23, 65, 32.5, Number.NaN]) expect(() => generateWebhookSecret(bad)).toThrow(RangeError);
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 1).toString('base64')],
    ['a bare prefix', 'whsec_'],
    ['too few key bytes', 'whsec_' + Buffer.alloc(23, 1).toString('base64')],
    ['too many key bytes', 'whsec_' + Buffer.alloc(65, 1).toString('base64')],
    ['characters outside base64', 'whsec_' + '!'.repeat(44)],
    ['unpadded base64', 'whsec_' + Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '')],
    ['a non-string', 42],
  ])('treats a secret with %s as invalid', (_label, secret) => {
    expect(isValidWebhookSecret(secret)).toBe(false);
    if (typeof secret === 'string') expect(() => secretKeyBytes(secret)).toThrow(TypeError);
  });

  it('decodes the key bytes after the prefix', () => {
    const key = Buffer.from(Array.from({ length: 24 }, (_, i) => i));
    expect(secretKeyBytes('whsec_' + key.toString('base64')).equals(key)).toBe(true);
  });
});

describe('signPayload', () => {
  it('produces the same v1 signature as the standardwebhooks reference signer', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    const expected = new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), body);
    expect(signPayload({ msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestampSeconds: 1614265330, body, secrets: [secret] })).toBe(expected);
  });

  it('emits one space-separated v1 signature per secret, in order', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    const input = { msgId: 'msg_1', timestampSeconds: 1_700_000_000, body: '{}' };
    const both = signPayload({ ...input, secrets: [a, b] }).split(' ');
    expect(both).toEqual([signPayload({ ...input, secrets: [a] }), signPayload({ ...input, secrets: [b] })]);
    expect(both.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))).toBe(true);
  });

  it('refuses to sign without a secret, with an invalid secret or with a bad timestamp', () => {
    const base = { msgId: 'msg_1', timestampSeconds: 1_700_000_000, body: '{}', secrets: [generateWebhookSecret()] };
    expect(() => signPayload({ ...base, secrets: [] })).toThrow(TypeError);
    expect(() => signPayload({ ...base, secrets: ['whsec_nope'] })).toThrow(TypeError);
    expect(() => signPayload({ ...base, timestampSeconds: 1.5 })).toThrow(TypeError);
    expect(() => signPayload({ ...base, msgId: '' })).toThrow(TypeError);
  });
});

describe('signed deliveries verified by a real receiver', () => {
  it('sends the Standard Webhooks headers alongside JSON content type and user agent', async () => {
    const { headers } = await deliver([generateWebhookSecret()]);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'Herald/test' });
    expect(headers['webhook-id']).toMatch(/^msg_/);
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
  });

  it('verifies with the standardwebhooks package using the single secret', async () => {
    const secret = generateWebhookSecret();
    const { body, headers } = await deliver([secret]);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('verifies with either secret while both are sent during rotation', async () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const { body, headers } = await deliver([oldSecret, newSecret]);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('fails verification when the body is altered in transit', async () => {
    const secret = generateWebhookSecret();
    const { body, headers } = await deliver([secret]);
    expect(() => new Webhook(secret).verify(body.replace('€12', '€99'), headers)).toThrow();
  });
});
