import { describe, expect, it } from 'vitest';
import { messageId } from '../../src/delivery/message-id.js';

describe('webhook-id (message id) of an event', () => {
  it('is msg_ plus 32 base64url characters', () => {
    expect(messageId('team_a', 'order-42')).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
  });

  it('is the same every time for one team and event (retries, replays)', () => {
    expect(messageId('team_a', 'order-42')).toBe(messageId('team_a', 'order-42'));
  });

  it('differs between teams that chose the same event id', () => {
    expect(messageId('team_a', 'order-42')).not.toBe(messageId('team_b', 'order-42'));
  });

  it('cannot be made to collide by moving characters between team and event id', () => {
    expect(messageId('team_a', 'b:c')).not.toBe(messageId('team_a:b', 'c'));
    expect(messageId('ab', 'c')).not.toBe(messageId('a', 'bc'));
  });
});
