import type { ReasonCode } from '../core/delivery-reasons.js';
import type { WebhookRow, WebhookUpdate } from '../db/database.js';
import type { ServiceContext } from './service-deps.js';
import { badRequest } from './errors.js';
import { replayAll } from './replay-deliveries.js';

/** What `webhooks.enable` replays: nothing, or what failed since the webhook was disabled or since it began failing. */
export type RecoverFrom = 'none' | 'disabled' | 'failing';

/** Deliveries recovered at most per call, as `deliveries.recover`. */
const RECOVER_MAX = 10_000;

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

/**
 * Replays (deliveries.replay, one by one) the webhook's deliveries that ended at or after `since`
 * as `failed`, or `cancelled` because the webhook was inactive (what a disable cuts short).
 * A delivery already running again is skipped.
 */
export async function recoverDeliveries(ctx: ServiceContext, webhookId: string, since: Date) {
  const rows = await ctx.deps.db
    .selectFrom('deliveries')
    .selectAll()
    .where('team_id', '=', ctx.team.id)
    .where('webhook_id', '=', webhookId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'failed'),
        eb.and([eb('status', '=', 'cancelled'), eb('reason_code', '=', 'webhook_inactive' satisfies ReasonCode)]),
      ]),
    )
    .where('updated_at', '>=', since)
    .orderBy('created_at')
    .limit(RECOVER_MAX)
    .execute();
  const { ids, skipped } = await replayAll(ctx, rows);
  return { since: since.toISOString(), replayed: ids.length, ids, skipped };
}
