import type { Kysely } from 'kysely';
import type { Database, EventRow, WebhookRow } from '../db/database.js';
import type { AttemptInput } from './attempt-types.js';

export type Target = { kind: 'ready'; webhook: WebhookRow; event: EventRow; secrets: string[] };

/**
 * Loads the webhook and event fresh for every attempt, so URL, header and secret changes apply
 * from the next attempt, and a deleted or deactivated webhook stops its pending deliveries.
 * Secrets come from here, never from workflow input, so they never enter workflow history.
 */
export async function loadTarget(db: Kysely<Database>, input: AttemptInput): Promise<Target | { kind: 'stopped'; reason: string }> {
  const [webhook, event] = await Promise.all([
    db.selectFrom('webhooks').selectAll().where('id', '=', input.webhookId).where('team_id', '=', input.teamId).executeTakeFirst(),
    db.selectFrom('events').selectAll().where('team_id', '=', input.teamId).where('id', '=', input.eventId).executeTakeFirst(),
  ]);
  if (!webhook) return { kind: 'stopped', reason: 'webhook deleted' };
  if (!webhook.active) return { kind: 'stopped', reason: `webhook inactive${webhook.disabled_reason ? `: ${webhook.disabled_reason}` : ''}` };
  if (!event) return { kind: 'stopped', reason: 'event not found' };
  const secrets = [webhook.secret];
  if (webhook.previous_secret && webhook.previous_secret_expires_at && webhook.previous_secret_expires_at.getTime() > Date.now()) {
    secrets.push(webhook.previous_secret);
  }
  return { kind: 'ready', webhook, event, secrets };
}
