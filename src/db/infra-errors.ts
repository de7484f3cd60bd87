import { isGrpcServiceError } from '@temporalio/client';
import pg from 'pg';

/**
 * Infrastructure errors, recognised by type and code (never by message): PostgreSQL or the
 * Temporal frontend could not be reached, as opposed to a bad query or a refused request. The API
 * answers them 503 (api/trpc.ts); the undispatched sweep stops on them instead of blaming the event.
 */

/**
 * PostgreSQL could not be reached: the pool timed out or failed to connect, or the connection
 * was lost mid-query. pg reports those as plain Errors with no code; the driver (db/create-db.ts)
 * wraps them in this type at the source, where it knows the connection is gone.
 */
export class DatabaseUnreachableError extends Error {
  readonly code = 'HERALD_DB_UNREACHABLE';
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

/** SQLSTATEs of a server going away or not there yet: admin/crash shutdown, starting up, connection exceptions. */
const PG_UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006']);
/** Node errno codes of a socket that could not connect or was cut. */
const UNREACHABLE_ERRNOS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** An error and its causes, at most `max` deep. */
function* causes(err: unknown, max = 6): Generator<any> {
  for (let e: any = err, depth = 0; e && depth < max; e = e.cause, depth++) yield e;
}

/** True when an error means Postgres could not be reached, as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e instanceof DatabaseUnreachableError) return true;
    if (e instanceof pg.DatabaseError) return typeof e.code === 'string' && PG_UNAVAILABLE_SQLSTATES.has(e.code);
    if (typeof e.code === 'string' && UNREACHABLE_ERRNOS.has(e.code)) return true;
  }
  return false;
}

/**
 * True when PostgreSQL cancelled the statement (SQLSTATE 57014 query_canceled): it ran past the
 * pool's statement_timeout (create-db.ts), or an operator cancelled it (pg_cancel_backend). The
 * database is up and the connection is free again; the request asked for more than its bound.
 */
export function isStatementTimeout(err: unknown): boolean {
  for (const e of causes(err)) if (e instanceof pg.DatabaseError) return e.code === '57014';
  return false;
}

// gRPC status codes that mean "the Temporal frontend is not answering right now".
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** True when the Temporal frontend could not be reached (restart, network): a gRPC error (a ServiceError's cause) with status UNAVAILABLE or DEADLINE_EXCEEDED. */
export function isTemporalUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    // The native connection's errors carry the gRPC status as a numeric code without gRPC metadata.
    const status = isGrpcServiceError(e) || typeof e.code === 'number' ? e.code : undefined;
    if (status === GRPC_UNAVAILABLE || status === GRPC_DEADLINE_EXCEEDED) return true;
  }
  return false;
}
