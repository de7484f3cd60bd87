import { describe, expect, it } from 'vitest';
import { newId } from '../../src/services/ids.js';
import { fairnessKeyOf, MAX_FAIRNESS_KEY_BYTES, teamPriority } from '../../src/temporal/team-priority.js';

describe('teamPriority', () => {
  it('uses a Herald team id itself as the fairness key', () => {
    const id = newId('team');
    expect(teamPriority(id)).toEqual({ fairnessKey: id });
  });

  it('turns an id longer than Temporal allows into one stable key of 64 bytes, distinct per team', () => {
    const long = `team_${'é'.repeat(40)}`;
    const key = fairnessKeyOf(long);
    expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_FAIRNESS_KEY_BYTES);
    expect(fairnessKeyOf(long)).toBe(key);
    expect(fairnessKeyOf(`${long}x`)).not.toBe(key);
  });
});
