import type http from 'node:http';
import { createPortalHttp } from '../portal/portal-http.js';
import type { ApiDeps } from '../context.js';
import { createDevEcho } from '../dev-echo.js';
import { serveDocs } from './docs-page.js';
import { openApiDocument } from './openapi-document.js';
import { createRestHandler } from './rest-handler.js';

/**
 * Everything http-server.ts mounts besides tRPC and /healthz: the REST paths (`/v1/...`),
 * `GET /openapi.json`, `GET /docs`, and the development echo receiver (`/dev/echo/...`, only
 * with HERALD_ALLOW_PRIVATE_TARGETS). Returns a handler that answers true when it served the request.
 */
export function mountRest(deps: ApiDeps, maxBodyBytes: number) {
  const rest = createRestHandler(deps, maxBodyBytes);
  const echo = deps.config.delivery.allowPrivateTargets ? createDevEcho(maxBodyBytes) : undefined;
  const portal = createPortalHttp(deps);
  return async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (pathname === '/v1' || pathname.startsWith('/v1/')) {
      await rest(req, res);
      return true;
    }
    if (pathname === '/openapi.json' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(JSON.stringify(openApiDocument()));
      return true;
    }
    if (serveDocs(req, res, pathname)) return true;
    if (await portal(req, res, pathname)) return true;
    return echo ? echo(req, res, pathname) : false;
  };
}
