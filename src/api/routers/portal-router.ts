import { z } from 'zod';
import { createPortalSession, revokePortalSessions } from '../../services/portal-sessions.js';
import { badRequest } from '../../services/errors.js';
import { idText } from '../text-fields.js';
import { adminProcedure, router } from '../trpc.js';

const COLOUR = /^#[0-9a-fA-F]{6}$/;
/** An origin as CSP frame-ancestors takes it: scheme, host and optional port. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

const themeSchema = z
  .object({
    primaryColor: z.string().regex(COLOUR, 'must be a #rrggbb colour').optional(),
    logoUrl: z
      .string()
      .max(2048, 'must be at most 2048 characters')
      .url('must be a URL')
      .startsWith('https://', 'must be an https URL')
      .optional(),
    mode: z.enum(['light', 'dark'], "must be 'light' or 'dark'").optional(),
  })
  .strict();

/**
 * Consumer portal sessions (docs/consumers.md), for admin keys: a short-lived link for one
 * consumer (a project, by id or by the platform's uid) with `read` or `manage` permissions, and
 * revoking every live session of a consumer.
 */
export const portalRouter = router({
  createSession: adminProcedure
    .input(
      z.object({
        projectId: idText(64).optional(),
        uid: idText(128).optional().describe("The consumer by the platform's own id instead of projectId."),
        ttlSeconds: z.number().int('must be an integer').min(60, 'must be 60–86400').max(86_400, 'must be 60–86400').default(3600),
        permissions: z.enum(['read', 'manage'], "must be 'read' or 'manage'").default('read'),
        theme: themeSchema.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { session, token } = await createPortalSession(ctx.deps.db, ctx.team.id, input);
      const { host, port, publicUrl } = ctx.deps.config.api;
      const base = (publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '');
      return {
        id: session.id,
        projectId: session.projectId,
        permissions: session.permissions,
        expiresAt: session.expiresAt.toISOString(),
        // One-time: its first load exchanges it for an HttpOnly cookie and drops it from the address bar.
        url: `${base}/portal/session?token=${token}`,
      };
    }),
  /** The origins that may embed the team's portal in an iframe (besides the portal's own); [] for none. */
  setFrameAncestors: adminProcedure
    .input(
      z.object({
        origins: z
          .array(
            z.string().max(255, 'must be at most 255 characters').regex(ORIGIN, 'must be an origin: https://host[:port], nothing after it'),
          )
          .max(20, 'at most 20 origins'),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const plain = input.origins.findIndex((o) => o.startsWith('http:'));
      if (plain >= 0 && !ctx.deps.config.delivery.allowPrivateTargets)
        throw badRequest(`origins[${plain}]`, 'must be https (http only with HERALD_ALLOW_PRIVATE_TARGETS, for development)');
      const origins = [...new Set(input.origins.map((o) => new URL(o).origin))];
      await ctx.deps.db.updateTable('teams').set({ portal_frame_ancestors: origins }).where('id', '=', ctx.team.id).execute();
      return { origins };
    }),
  revokeSessions: adminProcedure.input(z.object({ projectId: idText(64) })).mutation(async ({ ctx, input }) => ({
    projectId: input.projectId,
    revoked: await revokePortalSessions(ctx.deps.db, ctx.team.id, input.projectId),
  })),
});
