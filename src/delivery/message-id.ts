import { createHash } from 'node:crypto';

/**
 * The Standard Webhooks `webhook-id` of an event: `msg_` + 32 base64url characters of
 * SHA-256 over the team id and the event id. Event ids are chosen by teams and are unique only
 * within a team, so the id alone would let two teams' messages de-duplicate each other at a
 * shared receiver; with the team in the hash it is unique across teams, and it is the same on
 * every retry, every replay and every endpoint of that event (receivers de-duplicate on it).
 * Pure: the same inputs always give the same id.
 */
export function messageId(teamId: string, eventId: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([teamId, eventId]), 'utf8')
    .digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}
