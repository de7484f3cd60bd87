import type { WebhookRow, WebhookUpdate } from '../db/database.js';
import { badRequest } from './errors.js';

/** What `webhooks.enable` replays: nothing, or what failed since the webhook was disabled or since it began failing. */
export type RecoverFrom = 'none' | 'disabled' | 'failing';

/**
 * The health part of re-activating a webhook (webhooks.enable, and webhooks.update with
 * `active: true`): the disable is cleared, and a run of failures still open restarts its clock
 * now, so the endpoint gets a whole HERALD_ENDPOINT_DISABLE_AFTER_MINUTES before it can be
 * disabled again. The streak of consecutive failures is kept: the first success after the
 * re-enable ends it and raises `webhook.recovered`.
 */
export function reenablePatch(
  current: WebhookRow,
  now = new Date(),
): Pick<WebhookUpdate, 'active' | 'disabled_reason' | 'disabled_at' | 'failing_since'> {
  return { active: true, disabled_reason: null, disabled_at: null, failing_since: current.failing_since ? now : undefined };
}

/** The time recovery starts from, read before the re-enable resets it; null for `none`. */
export function recoverSince(current: WebhookRow, from: RecoverFrom): Date | null {
  if (from === 'none') return null;
  const since = from === 'disabled' ? current.disabled_at : (current.failing_since ?? current.disabled_at);
  if (!since)
    throw badRequest('recover', `webhook ${current.id} has no ${from === 'disabled' ? 'disable time' : 'failing period'} to recover from`);
  return since;
}
