import { generateWebhookSecret } from '../../delivery/webhook-secret.js';
import { openStoredSecret } from '../../services/webhook-secrets.js';
import { rotateWebhookSecret } from '../../services/rotate-webhook-secret.js';
import { sealSecret } from '../../security/secret-envelope.js';
import { DEFAULT_RETRY_POLICY } from '../../delivery/types.js';
import {
  deleteWebhookRow,
  filterPassesSample,
  findWebhook,
  insertWebhook,
  listWebhookRows,
  updateWebhookRow,
} from '../../repositories/webhooks-repo.js';
import { webhookStats } from '../../repositories/deliveries-repo.js';
import { insertWebhookPurge, purgeWebhookBatch } from '../../repositories/webhook-purges-repo.js';
import { cancelWebhookDeliveries } from '../../services/cancel-webhook-deliveries.js';
import { conflict, notFound } from '../../services/errors.js';
import { reasons } from '../../core/delivery-reasons.js';
import { sendTestPing } from '../../core/test-ping.js';
import { newId } from '../../services/ids.js';
import { filterColumns } from '../../delivery/webhook-filter-columns.js';
import { setTransformation } from '../../repositories/webhook-transformations-repo.js';
import { previewTransformation } from './preview-transformation.js';
import { assertNoAuthorizationHeader, assertSafeAuthTargets, receiverAuthColumns } from '../../services/receiver-auth-rules.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';
import { toWebhookDto } from '../webhook-dto.js';
import { assertActiveLimit, assertKnownEventTypes, assertProjectExists, assertSafeUrl } from '../../services/webhook-rules.js';
import {
  createWebhookSchema,
  enableWebhookSchema,
  listWebhooksSchema,
  previewFilterSchema,
  rotateSecretSchema,
  updateWebhookSchema,
  webhookIdSchema,
} from '../webhook-schemas.js';
import { recoverSince, reenablePatch } from '../../services/reenable-webhook.js';
import { startRecovery } from '../../services/start-recovery.js';

export const webhooksRouter = router({
  create: adminProcedure.input(createWebhookSchema).mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    await assertSafeUrl(ctx.deps, input.url);
    await assertSafeAuthTargets(ctx.deps, input.auth, input.egressProxy);
    assertNoAuthorizationHeader(input.headers, input.auth ?? null);
    if (input.projectId) await assertProjectExists(db, ctx.team.id, input.projectId);
    await assertKnownEventTypes(db, ctx.team.id, input.eventTypes);
    const secret = generateWebhookSecret();
    const id = newId('wh');
    const row = await db.transaction().execute(async (trx) => {
      if (input.active) await assertActiveLimit(trx, ctx.deps, ctx.team.id);
      const inserted = await insertWebhook(trx, {
        id,
        team_id: ctx.team.id,
        project_id: input.projectId ?? null,
        name: input.name,
        description: input.description ?? null,
        url: input.url,
        http_method: input.httpMethod,
        headers: JSON.stringify(input.headers),
        event_types: input.eventTypes,
        active: input.active,
        rate_limit_per_second: input.rateLimitPerSecond,
        max_in_flight: input.maxInFlight ?? null,
        ordering: input.ordering,
        block_on_failure: input.blockOnFailure,
        retry_policy: JSON.stringify(input.retryPolicy ?? DEFAULT_RETRY_POLICY),
        ...filterColumns(input.filter ?? null),
        // Sealed with HERALD_ENCRYPTION_KEY's first key; in clear when it is unset (development).
        secret: sealSecret(ctx.deps.config.encryptionKeys, id, secret),
        ...receiverAuthColumns(ctx.deps.config.encryptionKeys, id, input.auth, input.egressProxy),
      });
      const transformation = input.transformation ?? null;
      return transformation === null ? inserted : ((await setTransformation(trx, ctx.team.id, id, transformation)) ?? inserted);
    });
    // The secret is returned once here for convenience; webhooks.getSecret reads it later.
    return { ...toWebhookDto(row, ctx.scope === 'admin'), secret };
  }),

  get: readProcedure.input(webhookIdSchema).query(async ({ ctx, input }) => {
    const row = await findWebhook(ctx.deps.db, ctx.team.id, input.id);
    if (!row) throw notFound('webhook', input.id);
    return { ...toWebhookDto(row, ctx.scope === 'admin'), ...(await webhookStats(ctx.deps.db, row.id)) };
  }),

  list: readProcedure.input(listWebhooksSchema).query(async ({ ctx, input }) => {
    const { rows, total } = await listWebhookRows(ctx.deps.db, ctx.team.id, input, input.page, input.pageSize);
    return {
      data: rows.map((row) => toWebhookDto(row, ctx.scope === 'admin')),
      pagination: {
        currentPage: input.page,
        pageSize: input.pageSize,
        pagesTotal: Math.ceil(total / input.pageSize),
        itemsTotal: total,
      },
    };
  }),

  update: adminProcedure.input(updateWebhookSchema).mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const current = await findWebhook(db, ctx.team.id, input.id);
    if (!current) throw notFound('webhook', input.id);
    if (input.url !== undefined) await assertSafeUrl(ctx.deps, input.url);
    await assertSafeAuthTargets(ctx.deps, input.auth, input.egressProxy);
    assertNoAuthorizationHeader(input.headers ?? current.headers, input.auth === undefined ? current.auth : input.auth);
    if (input.projectId) await assertProjectExists(db, ctx.team.id, input.projectId);
    if (input.eventTypes) await assertKnownEventTypes(db, ctx.team.id, input.eventTypes);
    const reactivated = input.active === true && !current.active;
    const row = await db.transaction().execute(async (trx) => {
      if (reactivated) await assertActiveLimit(trx, ctx.deps, ctx.team.id, current.id);
      const updated = await updateWebhookRow(trx, ctx.team.id, input.id, {
        ...(reactivated ? reenablePatch(current) : {}),
        name: input.name,
        description: input.description,
        url: input.url,
        http_method: input.httpMethod,
        headers: input.headers && JSON.stringify(input.headers),
        event_types: input.eventTypes,
        active: input.active,
        // Re-activating clears the reason it was disabled for.
        disabled_reason: input.active === true ? null : input.active === false ? 'deactivated by API' : undefined,
        ...(input.active === false && current.active ? { disabled_at: new Date() } : {}),
        rate_limit_per_second: input.rateLimitPerSecond,
        max_in_flight: input.maxInFlight,
        ordering: input.ordering,
        block_on_failure: input.blockOnFailure,
        retry_policy: input.retryPolicy && JSON.stringify(input.retryPolicy),
        project_id: input.projectId,
        ...(input.filter !== undefined ? filterColumns(input.filter) : {}),
        ...receiverAuthColumns(ctx.deps.config.encryptionKeys, input.id, input.auth, input.egressProxy),
      });
      // A changed transformation is a new version; the same source again changes nothing.
      if (!updated || input.transformation === undefined || input.transformation === current.transformation) return updated;
      return setTransformation(trx, ctx.team.id, input.id, input.transformation);
    });
    if (!row) throw notFound('webhook', input.id);
    // Deactivated: its running deliveries end now (a repeated call signals any left again).
    if (input.active === false)
      await cancelWebhookDeliveries(ctx.deps, ctx.team.id, row.id, reasons.webhookInactive(row.disabled_reason ?? 'deactivated').text);
    return toWebhookDto(row, ctx.scope === 'admin');
  }),

  /**
   * Re-activates a disabled webhook (automatically, by 410 Gone or by the API), with the option to
   * replay what failed: `recover: 'disabled'` since it was disabled, `'failing'` since its run of
   * failures began (reenable-webhook.ts). `recovered` is the recovery workflow started for it
   * (services/start-recovery.ts; null for `none`), answered at once.
   */
  enable: adminProcedure.input(enableWebhookSchema).mutation(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const current = await findWebhook(db, ctx.team.id, input.id);
    if (!current) throw notFound('webhook', input.id);
    if (current.active) throw conflict(`webhook ${input.id} is already active`);
    const since = recoverSince(current, input.recover);
    const row = await db.transaction().execute(async (trx) => {
      await assertActiveLimit(trx, ctx.deps, ctx.team.id, current.id);
      return updateWebhookRow(trx, ctx.team.id, input.id, reenablePatch(current));
    });
    if (!row) throw notFound('webhook', input.id);
    const recovered = since ? await startRecovery(ctx, row.id, 'ended', since) : null;
    return { ...toWebhookDto(row, ctx.scope === 'admin'), recovered };
  }),

  /**
   * Deletes the webhook, cancels its running deliveries, and purges its attempt records: URL cut
   * to its origin, response headers and bodies gone (the first batch now, the rest by the
   * retention job; services/read-delivery.ts redacts reads meanwhile). Delivery rows stay (status,
   * codes, times) until retention removes them.
   */
  delete: adminProcedure.input(webhookIdSchema).mutation(async ({ ctx, input }) => {
    const deleted = await ctx.deps.db.transaction().execute(async (trx) => {
      if (!(await deleteWebhookRow(trx, ctx.team.id, input.id))) return false;
      await insertWebhookPurge(trx, ctx.team.id, input.id);
      return true;
    });
    if (!deleted) throw notFound('webhook', input.id);
    await cancelWebhookDeliveries(ctx.deps, ctx.team.id, input.id, reasons.webhookDeleted().text);
    await purgeWebhookBatch(ctx.deps.db, input.id, ctx.deps.config.retention.batchSize);
    return { id: input.id, deleted: true as const };
  }),

  getSecret: adminProcedure.input(webhookIdSchema).query(async ({ ctx, input }) => {
    const row = await findWebhook(ctx.deps.db, ctx.team.id, input.id);
    if (!row) throw notFound('webhook', input.id);
    const keys = ctx.deps.config.encryptionKeys;
    const now = Date.now();
    const previousSecrets = row.previous_secrets
      .filter((p) => Date.parse(p.expiresAt) > now)
      .map((p) => ({ secret: openStoredSecret(keys, row.id, p.secret), expiresAt: new Date(p.expiresAt).toISOString() }));
    return {
      secret: openStoredSecret(keys, row.id, row.secret),
      previousSecret: previousSecrets[0]?.secret ?? null,
      previousSecretExpiresAt: previousSecrets[0]?.expiresAt ?? null,
      previousSecrets,
    };
  }),

  /** The old secret keeps signing (alongside the new one) for its grace period; up to 5 old ones are kept. */
  rotateSecret: adminProcedure
    .input(rotateSecretSchema)
    .mutation(async ({ ctx, input }) => rotateWebhookSecret(ctx, input.id, input.gracePeriodSeconds)),

  previewTransformation,

  /** A dry run: does the filter (given, or the webhook's) pass this sample event? Nothing is stored or sent. */
  previewFilter: readProcedure.input(previewFilterSchema).mutation(async ({ ctx, input }) => {
    const data = JSON.stringify(input.data);
    if (input.id === undefined) {
      const filter = input.filter ?? null;
      return { matches: await filterPassesSample(ctx.deps.db, filterColumns(filter).filter_path, input.type, data), filter };
    }
    const webhook = await findWebhook(ctx.deps.db, ctx.team.id, input.id);
    if (!webhook) throw notFound('webhook', input.id);
    // The stored compiled path: what publish evaluates for this webhook.
    return { matches: await filterPassesSample(ctx.deps.db, webhook.filter_path, input.type, data), filter: webhook.filter };
  }),

  /**
   * Sends a `webhook.test` ping to this webhook alone; returns the delivery to watch. The event
   * is marked dispatched only once its workflow is durably started; if the start fails, the
   * caller gets the error and the undispatched-event sweep sends the ping later (to this webhook only).
   */
  test: adminProcedure.input(webhookIdSchema).mutation(async ({ ctx, input }) => {
    const webhook = await findWebhook(ctx.deps.db, ctx.team.id, input.id);
    if (!webhook) throw notFound('webhook', input.id);
    if (!webhook.active) throw conflict(`webhook ${input.id} is inactive; activate it before testing`);
    return sendTestPing(ctx.deps, webhook, newId('evt'));
  }),
});
