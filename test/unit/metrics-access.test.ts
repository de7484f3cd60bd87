import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { metricsRefusal } from '../../src/observability/metrics-access.js';

const req = (remoteAddress: string, authorization?: string) =>
  ({ socket: { remoteAddress }, headers: authorization ? { authorization } : {} }) as unknown as http.IncomingMessage;

describe('who may scrape the API’s /metrics', () => {
  it('without a token: loopback peers only', () => {
    expect(metricsRefusal(req('127.0.0.1'), undefined)).toBeNull();
    expect(metricsRefusal(req('::1'), undefined)).toBeNull();
    expect(metricsRefusal(req('10.0.0.7'), undefined)).toEqual({
      status: 403,
      message: expect.stringMatching(/^\/metrics answers loopback peers only; set HERALD_METRICS_TOKEN/),
    });
  });

  it('with a token: the bearer token from anywhere, nothing else even from loopback', () => {
    const token = 'x'.repeat(20);
    expect(metricsRefusal(req('10.0.0.7', `Bearer ${token}`), token)).toBeNull();
    expect(metricsRefusal(req('127.0.0.1'), token)?.status).toBe(401);
    expect(metricsRefusal(req('10.0.0.7', 'Bearer nope'), token)?.status).toBe(401);
  });
});
