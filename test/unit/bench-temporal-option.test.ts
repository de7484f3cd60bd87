import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/options.js';

describe('bench --temporal option', () => {
  it('defaults to the dev server with one round', () => {
    const o = parseOptions(['--quick']);
    expect(o).not.toBe('help');
    expect(o !== 'help' && [o.temporal, o.rounds]).toEqual(['dev', 1]);
  });

  it('takes cluster, both and a round count', () => {
    const o = parseOptions(['--temporal', 'both', '--rounds', '2']);
    expect(o !== 'help' && [o.temporal, o.rounds]).toEqual(['both', 2]);
    const c = parseOptions(['--temporal', 'cluster']);
    expect(c !== 'help' && c.temporal).toBe('cluster');
  });

  it('refuses an unknown target naming the flag and the choices', () => {
    expect(() => parseOptions(['--temporal', 'cloud'])).toThrow('--temporal must be dev, cluster or both (got cloud)');
    expect(() => parseOptions(['--temporal'])).toThrow('(got nothing)');
  });
});
