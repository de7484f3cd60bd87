import { z } from 'zod';
import { API_KEY_SCOPES } from '../../security/api-key-scopes.js';
import { generateApiKey } from '../../security/api-keys.js';
import { conflict, notFound } from '../../services/errors.js';
import { newId } from '../../services/ids.js';
import { idText, nameText } from '../text-fields.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const apiKeysRouter = router({
  /** The key is in this response only; Herald stores its hash. Scope defaults to `admin`. */
  create: adminProcedure
    .input(z.object({ name: nameText(100), scope: z.enum(API_KEY_SCOPES, "must be 'admin', 'publish' or 'read'").default('admin') }))
    .mutation(async ({ ctx, input }) => {
      // A cap, so a team cannot mint keys without end (each key also has a rate limit of its own).
      const { n } = await ctx.deps.db
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('team_id', '=', ctx.team.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      const cap = ctx.deps.config.limits.maxApiKeysPerTeam;
      if (Number(n) >= cap) throw conflict(`API key limit reached: a team can have at most ${cap} unrevoked API keys; revoke one first`);
      const { key, prefix, hash } = generateApiKey();
      const id = newId('key');
      await ctx.deps.db
        .insertInto('api_keys')
        .values({ id, team_id: ctx.team.id, name: input.name, prefix, key_hash: hash, scope: input.scope, created_at: new Date() })
        .execute();
      return { id, name: input.name, prefix, scope: input.scope, key };
    }),
  list: readProcedure.query(async ({ ctx }) => {
    const rows = await ctx.deps.db.selectFrom('api_keys').selectAll().where('team_id', '=', ctx.team.id).orderBy('created_at').execute();
    return {
      data: rows.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        scope: k.scope,
        createdAt: k.created_at.toISOString(),
        lastUsedAt: iso(k.last_used_at),
        revokedAt: iso(k.revoked_at),
      })),
    };
  }),
  /** Takes effect at once in this API process, and within LOOKUP_CACHE_TTL_MS in others. */
  revoke: adminProcedure.input(z.object({ id: idText(64) })).mutation(async ({ ctx, input }) => {
    const r = await ctx.deps.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('team_id', '=', ctx.team.id)
      .where('id', '=', input.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) throw notFound('api key', input.id);
    ctx.deps.caches.keys.clear();
    return { id: input.id, revoked: true as const };
  }),
});
