import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * `GET /docs`: Swagger UI rendering `/openapi.json`, served from the swagger-ui-dist package
 * in node_modules (no CDN: Herald's machines may have no internet). The content security
 * policy allows this origin only, so the page cannot pull anything from elsewhere.
 */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Herald API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// Inline scripts are refused by the policy below, so the start-up code is a file of its own.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: false,
  tryItOutEnabled: false,
  validatorUrl: null,
});
`;

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";

let distDir: string | undefined;
const cache = new Map<string, Buffer>();

function asset(name: string): Buffer {
  distDir ??= path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  let content = cache.get(name);
  if (!content) cache.set(name, (content = readFileSync(path.join(distDir, name))));
  return content;
}

/** Answers `/docs` and its assets; false for any other path. */
export function serveDocs(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname === '/docs' || pathname === '/docs/') {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-cache' })
      .end(PAGE);
    return true;
  }
  if (pathname === '/docs/init.js') {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).end(INIT);
    return true;
  }
  const name = pathname.startsWith('/docs/') ? pathname.slice('/docs/'.length) : '';
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!type) return false;
  res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=3600' }).end(asset(name));
  return true;
}
