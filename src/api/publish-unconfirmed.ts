import { TRPCError } from '@trpc/server';
import { isTemporalUnavailable } from '../db/infra-errors.js';
import { TemporalDeadlineError, withTemporalDeadline } from '../core/temporal-deadline.js';
import type { ApiDeps } from './context.js';

/**
 * The cause of a publish answered SERVICE_UNAVAILABLE after its event was stored: Temporal did not
 * confirm the workflow starts within HERALD_PUBLISH_TIMEOUT_MS. The error formatter (trpc.ts)
 * answers `eventId` in the error's `data` (tRPC) and body (REST).
 */
export class PublishUnconfirmedError extends Error {
  readonly code = 'HERALD_PUBLISH_UNCONFIRMED';
  constructor(
    readonly eventId: string,
    cause: unknown,
  ) {
    super(`publish of event ${eventId} not confirmed by Temporal`, { cause });
    this.name = 'PublishUnconfirmedError';
  }
}

/** The event id of a refused publish, from an error or its causes (at most 6 deep). */
export function unconfirmedEventId(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) if (e instanceof PublishUnconfirmedError) return e.eventId;
  return undefined;
}

/**
 * Runs a publish's Temporal step (the workflow starts of stored event `eventId`) under the
 * publish deadline. Temporal unreachable or slower than the deadline: a SERVICE_UNAVAILABLE that
 * names the event id and the retry rule. The event stays stored and is never delivered under
 * another id: the undispatched sweep finishes it, and publishing again with that id is idempotent.
 */
export async function startWithinPublishDeadline<T>(
  deps: Pick<ApiDeps, 'temporal' | 'config'>,
  eventId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const timeoutMs = deps.config.temporal.publishTimeoutMs;
  try {
    return await withTemporalDeadline(deps.temporal, timeoutMs, fn);
  } catch (err) {
    if (!(err instanceof TemporalDeadlineError) && !isTemporalUnavailable(err)) throw err;
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message:
        `workflow engine did not confirm within ${timeoutMs} ms; event ${eventId} is stored and will be delivered once, ` +
        `under that id: publish again with id "${eventId}" to confirm (safe); a publish without that id is a new event`,
      cause: new PublishUnconfirmedError(eventId, err),
    });
  }
}
