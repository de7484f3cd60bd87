import type { Migration } from 'kysely';
import * as initial from './2026-11-24T120000_initial.js';
import * as undispatchedIndex from './2026-11-25T200000_undispatched_events_index.js';
import * as eventsDataRaw from './2026-11-26T120000_events_data_raw.js';
import * as eventDispatchFailures from './2026-11-27T100000_event_dispatch_failures.js';
import * as deliveryAttempts from './2026-11-27T110000_delivery_attempts.js';
import * as deliveryReconcile from './2026-11-27T120000_delivery_reconcile.js';
import * as apiKeyScopes from './2026-11-28T100000_api_key_scopes.js';
import * as endpointHealth from './2026-11-29T100000_endpoint_health.js';
import * as webhookInFlight from './2026-11-30T100000_webhook_in_flight.js';
import * as deliveryReasonCode from './2026-12-02T100000_delivery_reason_code.js';
import * as webhookPreviousSecrets from './2026-12-03T110000_webhook_previous_secrets.js';
import * as eraseAndRetention from './2026-12-03T130001_erase_and_retention.js';
import * as readPathIndexes from './2026-12-03T140001_read_path_indexes.js';
import * as teamInFlight from './2026-12-03T120000_team_in_flight.js';
import * as attemptOutcome from './2026-12-04T100000_attempt_outcome.js';
import * as webhookFilter from './2026-12-05T100000_webhook_filter.js';
import * as webhookTransformation from './2026-12-06T100000_webhook_transformation.js';
import * as receiverAuth from './2026-12-07T100000_receiver_auth.js';
import * as orderedDelivery from './2026-12-08T100000_ordered_delivery.js';
import * as deliverySequenceIndex from './2026-12-08T100001_delivery_sequence_index.js';
import * as oauthTokens from './2026-12-09T100000_oauth_tokens.js';
import * as consumers from './2026-12-10T100000_consumers.js';
import * as portalFrameAncestors from './2026-12-10T100001_portal_frame_ancestors.js';
import * as attemptRequestHeaders from './2026-12-10T100002_attempt_request_headers.js';

/**
 * Registry of migrations in order; names are their timestamps and never change. A module that
 * exports `transactional = false` runs outside a transaction (concurrent-index.ts).
 */
export const migrations: Record<string, Migration> = {
  '2026-11-24T120000_initial': initial,
  '2026-11-25T200000_undispatched_events_index': undispatchedIndex,
  '2026-11-26T120000_events_data_raw': eventsDataRaw,
  '2026-11-27T100000_event_dispatch_failures': eventDispatchFailures,
  '2026-11-27T110000_delivery_attempts': deliveryAttempts,
  '2026-11-27T120000_delivery_reconcile': deliveryReconcile,
  '2026-11-28T100000_api_key_scopes': apiKeyScopes,
  '2026-11-29T100000_endpoint_health': endpointHealth,
  '2026-11-30T100000_webhook_in_flight': webhookInFlight,
  '2026-12-02T100000_delivery_reason_code': deliveryReasonCode,
  '2026-12-03T110000_webhook_previous_secrets': webhookPreviousSecrets,
  '2026-12-03T130001_erase_and_retention': eraseAndRetention,
  '2026-12-03T140001_read_path_indexes': readPathIndexes,
  '2026-12-03T120000_team_in_flight': teamInFlight,
  '2026-12-04T100000_attempt_outcome': attemptOutcome,
  '2026-12-05T100000_webhook_filter': webhookFilter,
  '2026-12-06T100000_webhook_transformation': webhookTransformation,
  '2026-12-07T100000_receiver_auth': receiverAuth,
  '2026-12-08T100000_ordered_delivery': orderedDelivery,
  '2026-12-08T100001_delivery_sequence_index': deliverySequenceIndex,
  '2026-12-09T100000_oauth_tokens': oauthTokens,
  '2026-12-10T100000_consumers': consumers,
  '2026-12-10T100001_portal_frame_ancestors': portalFrameAncestors,
  '2026-12-10T100002_attempt_request_headers': attemptRequestHeaders,
};
