import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('security limits in config', () => {
  it('defaults the team rate limit to the per-key limit, empty included', () => {
    expect(loadConfig({}).limits.teamRateLimitPerMinute).toBe(1200);
    expect(
      loadConfig({ HERALD_API_RATE_LIMIT_PER_MINUTE: '30', HERALD_TEAM_RATE_LIMIT_PER_MINUTE: '' }).limits.teamRateLimitPerMinute,
    ).toBe(30);
    expect(loadConfig({ HERALD_TEAM_RATE_LIMIT_PER_MINUTE: '7' }).limits.teamRateLimitPerMinute).toBe(7);
    expect(loadConfig({}).limits.maxApiKeysPerTeam).toBe(50);
  });

  it('takes a metrics token of 16 characters or more, and none when empty', () => {
    expect(loadConfig({ HERALD_METRICS_TOKEN: '' }).observability.metricsToken).toBeUndefined();
    expect(loadConfig({ HERALD_METRICS_TOKEN: 't'.repeat(16) }).observability.metricsToken).toBe('t'.repeat(16));
    expect(() => loadConfig({ HERALD_METRICS_TOKEN: 'short' })).toThrow(/HERALD_METRICS_TOKEN/);
  });
});
