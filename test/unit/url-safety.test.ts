import { describe, expect, it } from 'vitest';
import { checkUrl, checkUrlSyntax, createGuardedLookup, isPublicAddress, type Resolver } from '../../src/security/url-safety.js';

const dnsMap: Record<string, string[]> = {
  'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'private.example': ['192.168.1.10'],
  'mixed.example': ['93.184.215.14', '10.0.0.1'],
  'loop.example': ['127.0.0.1'],
};
const resolve: Resolver = async (h) => {
  if (dnsMap[h]) return dnsMap[h]!;
  throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
};
const strict = { allowPrivate: false, resolve };

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['10.1.2.3', 'RFC1918'],
    ['172.16.0.1', 'RFC1918'],
    ['172.31.255.255', 'RFC1918'],
    ['192.168.0.1', 'RFC1918'],
    ['100.64.0.1', 'CGNAT'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.1', 'IETF protocol assignments'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.1', 'TEST-NET-2'],
    ['203.0.113.1', 'TEST-NET-3'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::10.0.0.1', 'IPv4-compatible private'],
    ['2001:db8::1', 'documentation'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['2002:7f00:1::', '6to4'],
  ])('refuses %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:93.184.215.14'])(
    'accepts the public address %s',
    (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    },
  );
});

describe('checkUrl (secure default)', () => {
  it.each([
    ['http://public.example/hook', 'url: only https is allowed'],
    ['https://public.example:8443/hook', 'url: only port 443 is allowed'],
    ['https://user:pw@public.example/hook', 'url: credentials are not allowed in the URL'],
    ['https://2130706433/hook', 'url: IPv4 address must be in dotted-quad form'],
    ['https://0x7f.1/hook', 'url: IPv4 address must be in dotted-quad form'],
    ['https://0x7f000001/hook', 'url: IPv4 address must be in dotted-quad form'],
    ['https://0177.0.0.1/hook', 'url: IPv4 address must be in dotted-quad form'],
    ['https://127.1/hook', 'url: IPv4 address must be in dotted-quad form'],
    ['https://10.1/hook', 'url: IPv4 address must be in dotted-quad form'],
    ['https://127.0.0.1/hook', 'url: host resolves to a non-public address (127.0.0.1, loopback)'],
    ['https://[::1]/hook', 'url: host resolves to a non-public address'],
    ['https://[::ffff:127.0.0.1]/hook', 'url: host resolves to a non-public address'],
    ['https://[::ffff:7f00:1]/hook', 'url: host resolves to a non-public address'],
    ['https://private.example/hook', 'url: host resolves to a non-public address (192.168.1.10, private)'],
    ['https://mixed.example/hook', 'url: host resolves to a non-public address (10.0.0.1, private)'],
    ['https://nowhere.example/hook', 'url: host could not be resolved'],
    ['not a url', 'url: must be an absolute URL'],
    ['', 'url: must be 1–4096 characters'],
  ])('refuses %s with “%s”', async (url, message) => {
    const r = await checkUrl(url, strict);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
  });

  it.each(['https://public.example/hook', 'https://public.example:443/hook', 'https://93.184.215.14/hook'])('accepts %s', async (url) => {
    const r = await checkUrl(url, strict);
    expect(r.ok).toBe(true);
  });

  it('judges IP literals without asking DNS', async () => {
    let asked = false;
    await checkUrl('https://10.0.0.1/', { allowPrivate: false, resolve: async () => ((asked = true), []) });
    expect(asked).toBe(false);
  });

  it('lets http, any port and loopback through only with the development flag', async () => {
    expect((await checkUrl('http://127.0.0.1:8080/hook', { allowPrivate: true, resolve })).ok).toBe(true);
    expect(checkUrlSyntax('https://a:b@127.0.0.1/', { allowPrivate: true }).ok).toBe(false);
    expect(checkUrlSyntax('ftp://127.0.0.1/', { allowPrivate: true }).ok).toBe(false);
  });
});

describe('createGuardedLookup (send time, DNS-rebinding safe)', () => {
  const lookup = (host: string, options: object) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address?: unknown; family?: number }>((done) =>
      createGuardedLookup(strict)(host, options, (err, address, family) => done({ err, address, family })),
    );

  it('refuses a name that resolves to loopback with EHERALDBLOCKED', async () => {
    const r = await lookup('loop.example', {});
    expect(r.err?.code).toBe('EHERALDBLOCKED');
  });

  it('answers a public name with the vetted address', async () => {
    expect(await lookup('public.example', {})).toEqual({ err: null, address: '93.184.215.14', family: 4 });
  });

  it('answers every vetted address when asked for all', async () => {
    const r = await lookup('public.example', { all: true });
    expect(r.address).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
  });
});
