import { describe, expect, it } from 'vitest';
import { cancelReasonOf, REASON_CODES, reasons } from '../../src/core/delivery-reasons.js';
import {
  DELIVERY_STATUSES,
  type FromState,
  STATUS_EVENTS,
  type StatusEvent,
  TERMINAL_STATUSES,
  transition,
} from '../../src/core/delivery-transitions.js';

const FROM: FromState[] = ['none', ...DELIVERY_STATUSES];

// Every allowed (from, event) pair and where it leads; every pair not listed must be refused.
const ALLOWED: [FromState, StatusEvent, string][] = [
  ['none', 'started', 'pending'],
  ...DELIVERY_STATUSES.flatMap((s): [FromState, StatusEvent, string][] => [
    [s, 'attempt-retrying', 'retrying'],
    [s, 'attempt-succeeded', 'succeeded'],
    [s, 'attempt-failed', 'failed'],
    [s, 'cancelled', 'cancelled'],
    [s, 'replayed', 'pending'],
  ]),
  ['pending', 'target-gone', 'cancelled'],
  ['pending', 'closed-externally', 'closed-status'],
  ['retrying', 'closed-externally', 'closed-status'],
];

describe('delivery status transitions', () => {
  it.each(ALLOWED)('from %s, %s leads to %s', (from, event, to) => {
    if (to === 'closed-status') {
      for (const closed of TERMINAL_STATUSES) expect(transition(from, event, closed)).toBe(closed);
    } else {
      expect(transition(from, event)).toBe(to);
    }
  });

  const refused = FROM.flatMap((from) => STATUS_EVENTS.map((event): [FromState, StatusEvent] => [from, event])).filter(
    ([from, event]) => !ALLOWED.some(([f, e]) => f === from && e === event),
  );

  it('refuses every other pair (a row written twice, a settled row settled again, a ping row cancelled after its run began, …)', () => {
    expect(refused.length).toBeGreaterThan(10);
    for (const [from, event] of refused) expect([from, event, transition(from, event, 'cancelled')]).toEqual([from, event, undefined]);
  });

  it('refuses writing a row that exists as new, and settling a row that has ended', () => {
    expect(transition('pending', 'started')).toBeUndefined();
    expect(transition('succeeded', 'closed-externally', 'cancelled')).toBeUndefined();
    expect(transition('retrying', 'target-gone')).toBeUndefined();
  });
});

describe('delivery reasons', () => {
  it('keeps the texts shown as reason and lastError', () => {
    expect(reasons.webhookInactive('deactivated by API').text).toBe('webhook inactive: deactivated by API');
    expect(reasons.webhookInactive(null).text).toBe('webhook inactive');
    expect(reasons.webhookDeleted().text).toBe('webhook deleted');
    expect(reasons.eventNotFound().text).toBe('event not found');
    expect(reasons.retryExhausted().text).toBe('retry policy exhausted');
    expect(reasons.gone410().text).toBe('receiver answered 410 Gone; webhook deactivated');
    expect(reasons.blockedTarget().text).toBe('target address is not allowed; not retried');
    expect(reasons.dataError('bad key').text).toBe(
      'data error: the request could not be built from the stored webhook or event (bad key); not retried',
    );
    expect(reasons.cancelledByOperator(undefined).text).toBe('cancelled by operator');
    expect(reasons.workflowMissing().text).toBe('workflow not found in Temporal (deleted, or past retention)');
  });

  it("gives a cancel signal's text the code of the Herald cancel that sent it, or the operator's", () => {
    expect(cancelReasonOf('webhook inactive: disabled automatically: every attempt failed')).toEqual({
      code: 'webhook_inactive',
      text: 'webhook inactive: disabled automatically: every attempt failed',
    });
    expect(cancelReasonOf('webhook deleted').code).toBe('webhook_deleted');
    expect(cancelReasonOf('event payload erased')).toEqual({ code: 'event_erased', text: 'event payload erased' });
    expect(cancelReasonOf('not needed any more')).toEqual({ code: 'cancelled_by_operator', text: 'not needed any more' });
    expect(cancelReasonOf('webhook inactiveness is irrelevant').code).toBe('cancelled_by_operator');
  });

  it('has a code for every reason', () => {
    const codes = Object.values(reasons).map((f) => (f as (x: string) => { code: string })('x').code);
    expect(new Set(codes)).toEqual(new Set(REASON_CODES));
  });
});
