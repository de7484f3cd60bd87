import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OAuth2 token endpoint on loopback (RFC 6749 §4.4, client credentials): checks the
 * client by `client_secret_basic` or `client_secret_post` and the grant, issues random tokens
 * with `expires_in`, and counts calls. `hang` makes it never answer (a timeout test);
 * `revoke` makes a token invalid at once (a receiver's 401).
 */
export async function startOAuthServer(client: { id: string; secret: string }, opts: { expiresIn?: number } = {}) {
  const issued = new Map<string, number>();
  const calls: { authMethod: 'basic' | 'post' | 'none'; form: URLSearchParams; ok: boolean }[] = [];
  let expiresIn = opts.expiresIn ?? 3600;
  let hang = false;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hang) {
        hanging.add(res);
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      let id: string | null = null;
      let secret: string | null = null;
      let authMethod: 'basic' | 'post' | 'none' = 'none';
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) {
        const [u, p] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
        id = decodeURIComponent(u ?? '');
        secret = decodeURIComponent(p ?? '');
        authMethod = 'basic';
      } else if (form.has('client_id')) {
        id = form.get('client_id');
        secret = form.get('client_secret');
        authMethod = 'post';
      }
      const json = (status: number, body: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const ok = req.method === 'POST' && form.get('grant_type') === 'client_credentials' && id === client.id && secret === client.secret;
      calls.push({ authMethod, form, ok });
      if (req.method !== 'POST' || form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
      if (!ok) return json(401, { error: 'invalid_client', error_description: `client ${id ?? '?'} not recognised` });
      const token = `tok_${randomBytes(12).toString('hex')}`;
      issued.set(token, Date.now() + expiresIn * 1000);
      json(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    calls,
    /** Tokens answered with 200 so far. */
    get grants() {
      return calls.filter((c) => c.ok).length;
    },
    /** True when `authorization` is `Bearer <a live token of ours>`. */
    accepts(authorization: string | undefined): boolean {
      const m = /^Bearer (.+)$/.exec(authorization ?? '');
      const until = m ? issued.get(m[1]!) : undefined;
      return until !== undefined && until > Date.now();
    },
    revoke(authorization: string | undefined) {
      issued.delete((authorization ?? '').replace(/^Bearer /, ''));
    },
    setExpiresIn(s: number) {
      expiresIn = s;
    },
    setHang(on: boolean) {
      hang = on;
      if (!on) for (const r of hanging) r.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type OAuthServer = Awaited<ReturnType<typeof startOAuthServer>>;
