import { eventBody } from '../../delivery/event-body.js';
import { runTransform, transformEngine } from '../../delivery/transform-sandbox.js';
import { findWebhook } from '../../repositories/webhooks-repo.js';
import { notFound } from '../../services/errors.js';
import { newId } from '../../services/ids.js';
import { readProcedure } from '../trpc.js';
import { previewTransformationSchema } from '../webhook-schemas.js';

/**
 * webhooks.previewTransformation: runs a transformation (given, or a webhook's stored one) in the
 * sandbox on a sample event, built as an attempt builds it (`{ id, type, timestamp, data }`, a
 * made-up id, now), and answers what the attempt would send, or its `transform` error. Nothing is
 * stored or sent; a changed URL's rules are the attempt's and are not checked here.
 */
export const previewTransformation = readProcedure.input(previewTransformationSchema).mutation(async ({ ctx, input }) => {
  let source = input.transformation ?? null;
  let version: number | null = null;
  if (input.id !== undefined) {
    const webhook = await findWebhook(ctx.deps.db, ctx.team.id, input.id);
    if (!webhook) throw notFound('webhook', input.id);
    source = webhook.transformation;
    version = webhook.transformation_version;
  }
  const now = Date.now();
  const event = eventBody({ id: newId('evt'), type: input.type, created_at: new Date(now), data: input.data, data_raw: null });
  if (source === null) return { version, result: { kind: 'ok' as const, body: event }, event };
  const r = runTransform(await transformEngine(), source, event, now);
  return { version, result: r.kind === 'ok' ? { ...r, body: r.body ?? event } : r, event };
});
