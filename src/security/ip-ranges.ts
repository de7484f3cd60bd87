import ipaddr from 'ipaddr.js';

/**
 * The range name of an address, after unwrapping IPv4-mapped (::ffff:a.b.c.d) and
 * IPv4-compatible (::a.b.c.d) IPv6 forms to the IPv4 address they carry.
 * Ranges come from ipaddr.js, not from hand-written tables.
 */
export function addressRange(ip: string): { range: string; address: string } | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) addr = v6.toIPv4Address();
    else if (v6.parts.slice(0, 6).every((p) => p === 0) && (v6.parts[6]! !== 0 || v6.parts[7]! > 1)) {
      // IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it as IPv4).
      const [hi, lo] = [v6.parts[6]!, v6.parts[7]!];
      addr = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
    }
  }
  return { range: addr.range(), address: addr.toString() };
}

/** Only globally routable unicast addresses are public; everything else is refused. */
export function isPublicAddress(ip: string): boolean {
  return addressRange(ip)?.range === 'unicast';
}
