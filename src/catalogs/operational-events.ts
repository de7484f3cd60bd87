import { createHash } from 'node:crypto';
import type { CatalogEventType } from './catalog-types.js';

/**
 * Herald's own events about a team's endpoints, in every team's catalog (migration
 * 2026-11-29T100000_endpoint_health adds them, for new teams by trigger) and delivered to the
 * team's webhooks that subscribe to them (`webhook.disabled`, `webhook.*`, `*`, …) like any other
 * event: signed, retried, rate limited. Herald raises them from the attempt that causes them
 * (core/operational-events-sql.ts, in the attempt's record statement); teams cannot publish them.
 *
 * Loops are cut by three rules:
 * - an operational event about webhook W is never delivered to W itself (so a disabled endpoint
 *   never gets its own `webhook.disabled`, and a failing one not its own `delivery.exhausted`);
 * - `delivery.exhausted` is never raised for a delivery of an operational event or a
 *   `webhook.test` ping: a failed report of a failure raises nothing more;
 * - `webhook.disabled` and `webhook.recovered` are transitions of one webhook (active → disabled,
 *   failing → succeeding), so each needs a new run of failures first.
 */
export const OPERATIONAL_EVENTS = Object.freeze([
  {
    name: 'webhook.disabled',
    description: 'Herald disabled one of your webhooks after every attempt to it failed for the configured span.',
  },
  { name: 'webhook.recovered', description: 'A webhook that had been failing answered successfully again.' },
  { name: 'delivery.exhausted', description: 'A delivery used up its retry policy and failed for good.' },
] as const satisfies readonly CatalogEventType[]);

export type OperationalEventType = (typeof OPERATIONAL_EVENTS)[number]['name'];

const NAMES: ReadonlySet<string> = new Set(OPERATIONAL_EVENTS.map((e) => e.name));

export function isOperationalEventType(type: string): type is OperationalEventType {
  return NAMES.has(type);
}

/**
 * The event id of an operational event: `evt_op_` + 32 base64url characters of SHA-256 over its
 * type and key, so a re-executed attempt activity raises the same id (and the insert skips it).
 */
export function operationalEventId(type: string, key: string): string {
  return `evt_op_${createHash('sha256').update(`${type}\n${key}`).digest('base64url').slice(0, 32)}`;
}

/** `data` of `webhook.disabled`. Times are ISO-8601 UTC; `url` is redacted (no query, credentials or token-like segments). */
export interface WebhookDisabledData {
  webhookId: string;
  name: string;
  url: string;
  disabledAt: string;
  reason: string;
  failingSince: string;
  consecutiveFailures: number;
}

/** `data` of `webhook.recovered`: the run of failures that the success at `recoveredAt` ended. */
export interface WebhookRecoveredData {
  webhookId: string;
  name: string;
  url: string;
  recoveredAt: string;
  failingSince: string | null;
  consecutiveFailures: number;
}

/** `data` of `delivery.exhausted`: the delivery's final failed attempt. */
export interface DeliveryExhaustedData {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  failedAt: string;
}
