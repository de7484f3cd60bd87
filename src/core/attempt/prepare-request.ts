import { eventBody } from '../../delivery/event-body.js';
import { messageId } from '../../delivery/message-id.js';
import { buildWebhookHeaders } from '../../delivery/sign-payload.js';
import type { Keyring } from '../../security/encryption-keys.js';
import { openSecret, SecretKeyError } from '../../security/secret-envelope.js';
import type { Target } from './load-target.js';

export const USER_AGENT = 'Herald-Webhooks/0.1 (+https://github.com/herald)';
const MAX_MESSAGE_CHARS = 200;

/** `keyError`: a stored secret this worker's HERALD_ENCRYPTION_KEY cannot open (a configuration error). */
export type PreparedRequest =
  | { ok: true; body: string; headers: Record<string, string> }
  | { ok: false; message: string; keyError: boolean };

/**
 * The prepare stage of an attempt: the body, the Standard Webhooks headers and signatures, and
 * the webhook's custom headers, all built from the stored rows in memory. Nothing here touches
 * the network or the database, so an error here comes from the data (a malformed stored
 * secret, an event row that cannot be serialised), and retrying cannot fix it: it is returned
 * as a data error, and the delivery fails with it as the reason. Only infrastructure errors
 * (the load, rate-limit and record statements) throw and are retried.
 *
 * Stored secrets are opened here, per attempt, with the worker's keyring (KeyObjects built once
 * at config load: a few µs per secret, no KDF). A secret sealed under a key the keyring lacks is
 * a data error too (`keyError`): retrying with the same configuration cannot succeed, and
 * throwing would have Temporal retry the attempt forever. The delivery fails with the key id
 * named; once the key is back, `deliveries.recover` resends.
 */
export function prepareRequest(
  target: Extract<Target, { kind: 'ready' }>,
  nowMs: number,
  keyring: Keyring,
  transformed?: { body: string; headers: Record<string, string> },
): PreparedRequest {
  const { webhook, event } = target;
  try {
    const secrets = target.secrets.map((stored) => openSecret(keyring, webhook.id, stored));
    // `data` goes out as the text the publisher sent (or the transformation's body); the
    // signature covers exactly this string.
    const body = transformed?.body ?? eventBody(event);
    const standard = buildWebhookHeaders({
      msgId: messageId(event.team_id, event.id),
      timestampSeconds: Math.floor(nowMs / 1000),
      body,
      secrets,
      userAgent: USER_AGENT,
    });
    return { ok: true, body, headers: { ...webhook.headers, ...transformed?.headers, ...standard } };
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
    return {
      ok: false,
      keyError: err instanceof SecretKeyError,
      message: text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text,
    };
  }
}
