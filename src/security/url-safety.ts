import dns from 'node:dns/promises';
import net from 'node:net';
import { addressRange, isPublicAddress } from './ip-ranges.js';

export { isPublicAddress };

/** Resolves a host name to IP address strings. Injectable so tests can fake DNS answers. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface UrlSafetyOptions {
  /** Development flag: allows http, any port and private/loopback targets. */
  allowPrivate: boolean;
  resolve: Resolver;
}

export type UrlCheck = { ok: true; url: URL; addresses: string[] } | { ok: false; reason: 'invalid' | 'blocked' | 'dns'; message: string };

const fail = (reason: 'invalid' | 'blocked' | 'dns', rule: string): UrlCheck => ({ ok: false, reason, message: `url: ${rule}` });

/** The host exactly as written in the input, before WHATWG normalisation rewrites `0x7f.1` to `127.0.0.1`. */
function rawHost(raw: string): string {
  const afterScheme = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = afterScheme.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1);
  return hostPort.replace(/:\d*$/, '').replace(/\.$/, '');
}

/** A host made only of digits, dots and hex/octal markers is an IPv4 spelling; only dotted-quad decimal is allowed. */
function isOddIpv4Spelling(host: string): boolean {
  if (!/^[0-9a-fA-FxX.]+$/.test(host) || !/^(0x|\d)/i.test(host)) return false;
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(host)) return false;
  // Hex-looking DNS labels such as `cafe.example` contain non-hex letters elsewhere; here every char is hex/x/dot.
  return /^\d|^0x/i.test(host) && host.split('.').every((p) => /^(0x[0-9a-f]*|\d+)$/i.test(p));
}

function describeBlocked(ip: string): string {
  const r = addressRange(ip);
  return `host resolves to a non-public address (${ip}${r ? `, ${r.range}` : ''})`;
}

/** Static checks only, no DNS: scheme, port, credentials, IPv4 spellings and IP-literal ranges. */
export function checkUrlSyntax(raw: string, opts: { allowPrivate: boolean }): UrlCheck {
  if (raw.length < 1 || raw.length > 4096) return fail('invalid', 'must be 1–4096 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('invalid', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(opts.allowPrivate && url.protocol === 'http:')) return fail('invalid', 'only https is allowed');
  if (url.username || url.password) return fail('invalid', 'credentials are not allowed in the URL');
  if (!url.hostname) return fail('invalid', 'must have a host');
  if (opts.allowPrivate) return { ok: true, url, addresses: [] };
  if (url.port !== '' && url.port !== '443') return fail('invalid', 'only port 443 is allowed');
  if (isOddIpv4Spelling(rawHost(raw))) return fail('invalid', 'IPv4 address must be in dotted-quad form');
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(literal)) {
    if (!isPublicAddress(literal)) return fail('blocked', describeBlocked(literal));
    return { ok: true, url, addresses: [literal] };
  }
  return { ok: true, url, addresses: [] };
}

/** Static checks, then resolve the host: every address must be public (unless allowPrivate). */
export async function checkUrl(raw: string, opts: UrlSafetyOptions): Promise<UrlCheck> {
  const syntax = checkUrlSyntax(raw, opts);
  if (!syntax.ok || opts.allowPrivate || syntax.addresses.length) return syntax;
  let addresses: string[];
  try {
    addresses = await opts.resolve(syntax.url.hostname);
  } catch {
    return fail('dns', 'host could not be resolved');
  }
  if (!addresses.length) return fail('dns', 'host could not be resolved');
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad) return fail('blocked', describeBlocked(bad));
  return { ok: true, url: syntax.url, addresses };
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address?: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets (undici `connect.lookup`): resolves through `resolve`, refuses with
 * code EHERALDBLOCKED when any address is not public, and answers only vetted addresses, so
 * the socket dials exactly what was checked (defeats DNS rebinding between check and connect).
 */
export function createGuardedLookup(opts: UrlSafetyOptions) {
  return (hostname: string, options: { all?: boolean; family?: number } | number | undefined, callback: LookupCallback): void => {
    const all = typeof options === 'object' && options?.all === true;
    opts
      .resolve(hostname)
      .then((addresses) => {
        if (!addresses.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        const bad = opts.allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a));
        if (bad) throw Object.assign(new Error(`blocked: ${hostname} resolves to a non-public address`), { code: 'EHERALDBLOCKED' });
        const entries = addresses.map((address) => ({ address, family: net.isIP(address) }));
        if (all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err));
  };
}
