import { ServiceError } from '@temporalio/client';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseUnreachableError, isDatabaseUnavailable, isTemporalUnavailable } from '../../src/db/infra-errors.js';

function serverError(code: string): pg.DatabaseError {
  const e = new pg.DatabaseError('server said no', 0, 'error');
  e.code = code;
  return e;
}
const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
function grpcError(code: number) {
  return Object.assign(new Error(`${code} status`), { code, details: 'no', metadata: {} });
}

describe('infrastructure errors are recognised by type and code', () => {
  it('a lost or refused PostgreSQL connection is unavailability, at any depth of causes', () => {
    expect(isDatabaseUnavailable(new DatabaseUnreachableError(new Error('Connection terminated unexpectedly')))).toBe(true);
    expect(isDatabaseUnavailable(errno('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('query failed', { cause: new Error('wrapped', { cause: serverError('57P01') }) }))).toBe(true);
    expect(isDatabaseUnavailable(serverError('08006'))).toBe(true);
  });

  it("the server's answer to a bad query, and a plain error that only reads like an outage, are not", () => {
    expect(isDatabaseUnavailable(serverError('23505'))).toBe(false);
    expect(isDatabaseUnavailable(serverError('42P01'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });

  it('Temporal is unavailable on gRPC UNAVAILABLE or DEADLINE_EXCEEDED, wrapped in a ServiceError or not', () => {
    expect(isTemporalUnavailable(new ServiceError('Failed to start Workflow', { cause: grpcError(14) }))).toBe(true);
    expect(isTemporalUnavailable(grpcError(4))).toBe(true);
    expect(isTemporalUnavailable(new ServiceError('Failed to start Workflow', { cause: grpcError(3) }))).toBe(false);
    expect(isTemporalUnavailable(new Error('14 UNAVAILABLE: connection refused'))).toBe(false);
  });
});
