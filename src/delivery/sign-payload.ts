/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the receiver verifies
 * HMAC-SHA256 over `${msgId}.${timestamp}.${body}` with any `v1,` signature in the header.
 */
import { createHmac } from 'node:crypto';
import { secretKeyBytes } from './webhook-secret.js';

export interface SignInput {
  msgId: string;
  /** Unix time in whole seconds; the receiver rejects timestamps far from its clock. */
  timestampSeconds: number;
  /** The exact bytes sent; re-serialising JSON would break the signature. */
  body: string;
  /**
   * Every currently valid secret. During rotation both old and new are listed, so a
   * receiver holding either one verifies.
   */
  secrets: string[];
}

function checkInput({ msgId, timestampSeconds, secrets }: SignInput): void {
  if (msgId.length === 0) throw new TypeError('msgId must not be empty');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError('timestampSeconds must be a non-negative integer');
  }
  if (secrets.length === 0) throw new TypeError('at least one secret is required');
}

/** The `webhook-signature` header value: `v1,<base64>` per secret, space-separated, in order. */
export function signPayload(input: SignInput): string {
  checkInput(input);
  const { msgId, timestampSeconds, body, secrets } = input;
  const content = `${msgId}.${timestampSeconds}.${body}`;
  return secrets.map((secret) => 'v1,' + createHmac('sha256', secretKeyBytes(secret)).update(content, 'utf8').digest('base64')).join(' ');
}

export interface WebhookHeaders {
  'content-type': 'application/json';
  'user-agent': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  [name: string]: string;
}

/** All headers Herald sends with a delivery; the body is always JSON. */
export function buildWebhookHeaders(input: SignInput & { userAgent: string }): WebhookHeaders {
  return {
    'content-type': 'application/json',
    'user-agent': input.userAgent,
    'webhook-id': input.msgId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signPayload(input),
  };
}
