import type { AttemptRecord, DeliveryStatus } from '../../delivery/types.js';

export interface AttemptInput {
  deliveryId: string;
  teamId: string;
  eventId: string;
  webhookId: string;
  /** 1-based number of this attempt. */
  attempt: number;
  /** Epoch ms of attempt 1; undefined on the first attempt. Window policies count from it. */
  firstAttemptAtMs?: number;
  /**
   * Set when an earlier call already reserved a rate-limit slot at this time (epoch ms). 0 (a
   * concurrency refusal's `slotAtMs`) means none is held.
   */
  reservedSlotAtMs?: number;
}

/** What the attempt activity reports back; the workflow switches on `kind`. */
export type AttemptOutcome =
  /** Wait until `wakeAtMs`, then call again with `reservedSlotAtMs: slotAtMs` (0: no slot reserved). */
  | { kind: 'throttled'; slotAtMs: number; wakeAtMs: number }
  | { kind: 'stopped'; reason: string }
  | {
      kind: 'attempted';
      record: AttemptRecord;
      /** Terminal (succeeded/failed) or retrying with `record.nextAttemptAt` set. */
      status: Extract<DeliveryStatus, 'succeeded' | 'failed' | 'retrying'>;
      reason: string | null;
      attemptedAtMs: number;
    };
