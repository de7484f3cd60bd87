import { describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE, trpcPaths } from '../../src/api/request-gate.js';

describe('trpcPaths', () => {
  it('reads a plain single call without a URL parser, and as one would', () => {
    expect(trpcPaths('/trpc/events.publish')).toEqual(['events.publish']);
    expect(trpcPaths('/trpc/health.check')).toEqual(['health.check']);
  });

  it('decodes, normalises and splits what is not a plain name', () => {
    expect(trpcPaths('/trpc/events.publish,webhooks.list?batch=1')).toEqual(['events.publish', 'webhooks.list']);
    expect(trpcPaths('/trpc/events.publish%2Cwebhooks.list?batch=1')).toEqual(['events.publish', 'webhooks.list']);
    expect(trpcPaths('/trpc/./events.publish')).toEqual(['events.publish']);
    expect(trpcPaths('/trpc/events.publish?input=%7B%7D')).toEqual(['events.publish']);
    expect(trpcPaths('/trpc/events.publish,webhooks.list')).toEqual(['events.publish,webhooks.list']);
    expect(trpcPaths('/trpc/%E0%A4%A')).toEqual(['/trpc/%E0%A4%A']);
  });

  it('refuses a batch above the limit', () => {
    const names = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'events.get').join(',');
    expect(trpcPaths(`/trpc/${names}?batch=1`)).toBeUndefined();
    expect(trpcPaths(`/trpc/${names.split(',').slice(0, MAX_BATCH_SIZE).join(',')}?batch=1`)).toHaveLength(MAX_BATCH_SIZE);
  });
});
