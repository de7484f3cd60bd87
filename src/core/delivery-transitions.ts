import type { DeliveryStatus } from '../delivery/types.js';

/**
 * The status machine of a deliveries row: pure, so that its table can be read (and is tested,
 * test/unit/delivery-status.test.ts). delivery-status.ts is the only writer; every write it makes
 * is one of these events, and its SQL guards are the `from` sets below.
 */

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly DeliveryStatus[];
/** Statuses of a delivery whose workflow may still be running. */
export const ACTIVE_STATUSES = ['pending', 'retrying'] as const satisfies readonly DeliveryStatus[];
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly DeliveryStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** `none`: no row yet. */
export type FromState = DeliveryStatus | 'none';

export type StatusEvent =
  /** Its pending row is written with the fan-out, before its workflow starts. */
  | 'started'
  /** An attempt of the running workflow failed and another is scheduled. */
  | 'attempt-retrying'
  | 'attempt-succeeded'
  /** An attempt failed for good (not retried, or the retry policy is used up). */
  | 'attempt-failed'
  /** The running workflow ended it: its attempt found nothing to send to, or it was signalled to cancel. */
  | 'cancelled'
  /** A ping's or operational event's row whose webhook was deleted before any run began. */
  | 'target-gone'
  /** deliveries.replay started a new run under the same id. */
  | 'replayed'
  /** Its workflow closed without writing the row (terminated, cancelled, deleted in Temporal); the reconciler writes its close status. */
  | 'closed-externally';

const ALL: readonly FromState[] = DELIVERY_STATUSES;

/**
 * Allowed from-states of each event, and where it leads (`closed-status`: the workflow's close
 * status, a terminal one). A run's own writes (attempt results, its cancel) are applied whatever
 * the row says: a re-executed attempt activity rewrites its own earlier write (the last execution
 * wins, as in the workflow), and a replayed run's first attempt may beat the replay's reset.
 */
export const TRANSITIONS: Readonly<Record<StatusEvent, { from: readonly FromState[]; to: DeliveryStatus | 'closed-status' }>> = {
  started: { from: ['none'], to: 'pending' },
  'attempt-retrying': { from: ALL, to: 'retrying' },
  'attempt-succeeded': { from: ALL, to: 'succeeded' },
  'attempt-failed': { from: ALL, to: 'failed' },
  cancelled: { from: ALL, to: 'cancelled' },
  'target-gone': { from: ['pending'], to: 'cancelled' },
  // The replay itself checks with Temporal that no run is going; a row still active then is one the reconciler has not fixed yet.
  replayed: { from: ALL, to: 'pending' },
  'closed-externally': { from: ACTIVE_STATUSES, to: 'closed-status' },
};

export const STATUS_EVENTS = Object.keys(TRANSITIONS) as StatusEvent[];

/** The status `event` leads to from `from`, or undefined when the machine refuses it. `closedAs`: the close status, for `closed-externally`. */
export function transition(from: FromState, event: StatusEvent, closedAs?: TerminalStatus): DeliveryStatus | undefined {
  const t = TRANSITIONS[event];
  if (!t.from.includes(from)) return undefined;
  if (t.to !== 'closed-status') return t.to;
  return closedAs;
}

/** The event an attempt's decided status is. */
export function attemptEvent(status: 'retrying' | 'succeeded' | 'failed'): StatusEvent {
  return status === 'retrying' ? 'attempt-retrying' : status === 'succeeded' ? 'attempt-succeeded' : 'attempt-failed';
}
