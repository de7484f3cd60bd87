import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';

/** The portal's page and assets: plain HTML, CSS and JavaScript in src/portal-ui, no build step, nothing from outside. */
const UI_DIR = fileURLToPath(new URL('../../portal-ui/', import.meta.url));
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const cache = new Map<string, Buffer>();
const file = (name: string) => {
  let b = cache.get(name);
  if (!b) cache.set(name, (b = readFileSync(`${UI_DIR}${name}`)));
  return b;
};

/**
 * Everything from this origin only; no inline script or style; embedding by this origin and the
 * team's allowed origins (portal.setFrameAncestors), known once the request carries a session.
 */
export function portalCsp(frameAncestors: readonly string[] = []): string {
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`;
}

/** `GET /portal/` and `/portal/assets/<file>`. */
export function servePortalPage(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  frameAncestors: readonly string[] = [],
): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname === '/portal') {
    res.writeHead(308, { location: '/portal/' }).end();
    return true;
  }
  const name = pathname === '/portal/' ? 'index.html' : pathname.slice('/portal/assets/'.length);
  const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!type) return false;
  res
    .writeHead(200, {
      'content-type': type,
      'content-security-policy': portalCsp(frameAncestors),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    })
    .end(file(name));
  return true;
}
