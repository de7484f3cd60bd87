import { describe, expect, it } from 'vitest';
import { afterRotation, MAX_PREVIOUS_SECRETS, type PreviousSecret, signingSecrets } from '../../src/delivery/previous-secrets.js';

const now = Date.parse('2026-12-03T12:00:00.000Z');
const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();
const entry = (secret: string, offsetMs: number): PreviousSecret => ({ secret, expiresAt: at(offsetMs) });

describe('previous signing secrets', () => {
  it('signs with the current secret first, then every unexpired previous one, newest first', () => {
    const previous = [entry('b', 1000), entry('a', -1), entry('z', 0), entry('y', 5000)];
    expect(signingSecrets('c', previous, now)).toEqual(['c', 'b', 'y']);
    expect(signingSecrets('c', [], now)).toEqual(['c']);
    expect(signingSecrets('c', null, now)).toEqual(['c']);
  });

  it('puts the outgoing secret first and keeps at most 5, dropping the oldest', () => {
    let previous: PreviousSecret[] = [];
    for (let i = 0; i < 7; i++) previous = afterRotation(previous, entry(`s${i}`, 3_600_000), now);
    expect(previous.map((p) => p.secret)).toEqual(['s6', 's5', 's4', 's3', 's2']);
    expect(previous).toHaveLength(MAX_PREVIOUS_SECRETS);
  });

  it('drops expired entries on rotation, and an outgoing secret with no grace at all', () => {
    const previous = [entry('b', -10), entry('a', 60_000)];
    expect(afterRotation(previous, entry('c', 1000), now).map((p) => p.secret)).toEqual(['c', 'a']);
    expect(afterRotation(previous, entry('c', 0), now).map((p) => p.secret)).toEqual(['a']);
  });

  it('keeps each entry its own expiry: a later short grace does not shorten an earlier long one', () => {
    const previous = afterRotation([entry('a', 86_400_000)], entry('b', 15_000), now);
    expect(previous).toEqual([entry('b', 15_000), entry('a', 86_400_000)]);
  });
});
