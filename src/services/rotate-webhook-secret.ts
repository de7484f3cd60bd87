/**
 * `webhooks.rotateSecret`: a new current secret; the outgoing one joins the previous secrets and
 * keeps signing until its own expiry (delivery/previous-secrets.ts).
 */
import { afterRotation } from '../delivery/previous-secrets.js';
import { generateWebhookSecret } from '../delivery/webhook-secret.js';
import { lockWebhookSecrets, updateWebhookRow } from '../repositories/webhooks-repo.js';
import { sealSecret } from '../security/secret-envelope.js';
import { notFound } from './errors.js';
import type { ServiceContext } from './service-deps.js';
import { resealForCopy } from './webhook-secrets.js';

export interface RotatedSecret {
  /** The new current secret, in clear (shown to the caller only). */
  secret: string;
  /** When the outgoing secret stops signing (ISO 8601). */
  previousSecretExpiresAt: string;
}

/**
 * Rotates in one transaction holding the webhook's row lock, so concurrent rotations run one
 * after the other: each caller's secret is current or among the previous ones (never one that
 * signs nothing). `gracePeriodSeconds` (0–30 days, checked by the input schema) defaults to
 * HERALD_SECRET_ROTATION_GRACE_HOURS; 0 stops the outgoing secret at once.
 */
export async function rotateWebhookSecret(ctx: ServiceContext, webhookId: string, gracePeriodSeconds?: number): Promise<RotatedSecret> {
  const { db, config } = ctx.deps;
  const keys = config.encryptionKeys;
  const graceMs = gracePeriodSeconds === undefined ? config.delivery.secretRotationGraceHours * 3_600_000 : gracePeriodSeconds * 1000;
  const secret = generateWebhookSecret();
  return db.transaction().execute(async (trx) => {
    const current = await lockWebhookSecrets(trx, ctx.team.id, webhookId);
    if (!current) throw notFound('webhook', webhookId);
    const now = Date.now();
    const expiresAt = new Date(now + graceMs).toISOString();
    const previous = afterRotation(current.previous_secrets, { secret: resealForCopy(keys, current.id, current.secret), expiresAt }, now);
    await updateWebhookRow(trx, ctx.team.id, webhookId, {
      secret: sealSecret(keys, current.id, secret),
      previous_secrets: JSON.stringify(previous),
    });
    return { secret, previousSecretExpiresAt: expiresAt };
  });
}
