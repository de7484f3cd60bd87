/**
 * A webhook's previous signing secrets (`webhooks.previous_secrets`): after a rotation the old
 * secret keeps signing, next to the new one, until its own expiry (its grace period), so a
 * receiver still holding it verifies. At most MAX_PREVIOUS_SECRETS are kept, newest first.
 */

import type { PreviousSecret } from '../security/previous-secret.js';

export type { PreviousSecret };

/** As Svix: up to 5 old secrets are kept; a rotation beyond that drops the oldest. */
export const MAX_PREVIOUS_SECRETS = 5;

/** Longest grace period a rotation may give the outgoing secret: 30 days (HERALD_SECRET_ROTATION_GRACE_HOURS' bound). */
export const MAX_GRACE_PERIOD_SECONDS = 30 * 24 * 3600;

const unexpired = (previous: readonly PreviousSecret[], nowMs: number) => previous.filter((p) => Date.parse(p.expiresAt) > nowMs);

/** The secrets a delivery signs with at `nowMs` (epoch ms): the current one, then every unexpired previous one, newest first. */
export function signingSecrets(current: string, previous: readonly PreviousSecret[] | null | undefined, nowMs: number): string[] {
  return [current, ...unexpired(previous ?? [], nowMs).map((p) => p.secret)];
}

/**
 * The previous secrets after a rotation at `nowMs`: the outgoing secret first (valid until
 * `expiresAt`), then the unexpired older ones, at most MAX_PREVIOUS_SECRETS (the oldest go).
 * Expired entries, the outgoing one included when its grace period is 0, are dropped.
 */
export function afterRotation(previous: readonly PreviousSecret[], outgoing: PreviousSecret, nowMs: number): PreviousSecret[] {
  return unexpired([outgoing, ...previous], nowMs).slice(0, MAX_PREVIOUS_SECRETS);
}
