import type http from 'node:http';
import type { ApiDeps } from '../context.js';
import { exchangePortalToken, sessionFromCookie } from '../../services/portal-sessions.js';
import { csrfTokenOf, servePortalApi } from './portal-api.js';
import { servePortalPage } from './portal-page.js';

/** The portal session cookie: HttpOnly, Secure, scoped to /portal; SameSite=None and Partitioned so an embedding iframe keeps it. */
export const PORTAL_COOKIE = 'herald_portal';

const NO_STORE = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', ...NO_STORE }).end(JSON.stringify(body));
}

/** The portal cookie's value in a request, if any. */
export function portalCookie(req: http.IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === PORTAL_COOKIE) return rest.join('=');
  }
  return undefined;
}

/**
 * The consumer portal's session routes (docs/consumers.md):
 * - `GET /portal/session?token=…`: the link `portal.createSession` answers. Exchanges the
 *   one-time token for the session cookie and redirects to `/portal/` (303), so the token leaves
 *   the address bar; a used, expired or revoked token answers 401.
 * - `GET /portal/api/session`: who the cookie is (the consumer, permissions, expiry, theme, the
 *   CSRF token mutations send back), or 401; the rest of `/portal/api/` is portal-api.ts.
 * - `GET /portal/`: the portal's page and its assets (portal-page.ts).
 * Answers false for any other path.
 */
export function createPortalHttp(deps: ApiDeps) {
  return async function servePortal(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<boolean> {
    if (pathname === '/portal' || pathname === '/portal/' || pathname.startsWith('/portal/assets/')) {
      const cookie = portalCookie(req);
      const session = cookie ? await sessionFromCookie(deps.db, cookie) : null;
      const team = session
        ? await deps.db.selectFrom('teams').select('portal_frame_ancestors').where('id', '=', session.teamId).executeTakeFirst()
        : undefined;
      return servePortalPage(req, res, pathname, team?.portal_frame_ancestors ?? []);
    }
    if (pathname !== '/portal/session' && !pathname.startsWith('/portal/api/')) return false;
    if (req.method !== 'GET' && !pathname.startsWith('/portal/api/')) {
      json(res, 405, { error: { message: `${req.method} is not allowed on ${pathname}` } });
      return true;
    }
    if (pathname === '/portal/session') {
      const token = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('token') ?? '';
      const exchanged = await exchangePortalToken(deps.db, token);
      if (!exchanged) {
        json(res, 401, { error: { message: 'this portal link has expired, was revoked or was used already; ask for a new one' } });
        return true;
      }
      const maxAge = Math.max(0, Math.floor((exchanged.session.expiresAt.getTime() - Date.now()) / 1000));
      res
        .writeHead(303, {
          location: '/portal/',
          // Partitioned (CHIPS): inside a platform's iframe the cookie is kept per embedding site.
          'set-cookie': `${PORTAL_COOKIE}=${exchanged.cookie}; Path=/portal; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=None; Partitioned`,
          ...NO_STORE,
        })
        .end();
      return true;
    }
    const cookie = portalCookie(req);
    const session = cookie ? await sessionFromCookie(deps.db, cookie) : null;
    if (!session) {
      json(res, 401, { error: { message: 'no portal session, or it has expired or been revoked' } });
      return true;
    }
    if (pathname === '/portal/api/session') {
      const consumer = await deps.db
        .selectFrom('projects')
        .select(['id', 'name', 'uid'])
        .where('team_id', '=', session.teamId)
        .where('id', '=', session.projectId)
        .executeTakeFirst();
      if (!consumer) {
        json(res, 401, { error: { message: 'the consumer of this session no longer exists' } });
        return true;
      }
      json(res, 200, {
        consumer,
        permissions: session.permissions,
        expiresAt: session.expiresAt.toISOString(),
        theme: session.theme,
        csrfToken: csrfTokenOf(cookie!),
      });
      return true;
    }
    if (await servePortalApi(deps, req, res, pathname.slice('/portal/api'.length), session, cookie!)) return true;
    json(res, 404, { error: { message: `no portal route: ${pathname}` } });
    return true;
  };
}
