import { ipInCidrs } from '@latchkey/policy-engine';

/**
 * Which addresses outbound requests (webhooks, ntfy, Gotify) may reach. Everything that is not plainly
 * a public unicast address is refused: a webhook URL is typed by an admin, or by whoever stole an admin
 * session, and must not become a way to reach the machine itself, the LAN or a cloud metadata service.
 *
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address (the parser folds it); IPv6 forms that carry
 * an IPv4 address a gateway would forward to (NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are refused when
 * the IPv4 address inside is.
 */
const IPV4_REFUSED: [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved (documentation)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved (benchmarking)'],
  ['198.51.100.0/24', 'reserved (documentation)'],
  ['203.0.113.0/24', 'reserved (documentation)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (incl. broadcast)'],
];

const IPV6_REFUSED: [string, string][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved (IPv4-compatible)'],
  ['64:ff9b:1::/48', 'private (local NAT64)'],
  ['100::/64', 'reserved (discard)'],
  ['2001::/32', 'reserved (Teredo)'],
  ['2001:db8::/32', 'reserved (documentation)'],
  ['fc00::/7', 'private (unique local)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private (site-local)'],
  ['ff00::/8', 'multicast'],
];

/** IPv4 range a.b.c.d/n as the NAT64 and 6to4 IPv6 ranges that embed it. */
function embedded([cidr, reason]: [string, string]): [string, string][] {
  const [address = '', bits = '32'] = cidr.split('/');
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return [
    [`64:ff9b::${address}/${96 + Number(bits)}`, `${reason}, through NAT64`],
    [`2002:${hex(a, b)}:${hex(c, d)}::/${16 + Number(bits)}`, `${reason}, through 6to4`],
  ];
}

const REFUSED: [string, string][] = [...IPV4_REFUSED, ...IPV6_REFUSED, ...IPV4_REFUSED.flatMap(embedded)];

/** Why `ip` may not be reached (e.g. `private`, `loopback`), or null for a public unicast address. */
export function refusalReason(ip: string): string | null {
  if (!ipInCidrs(ip, ['0.0.0.0/0']) && !ipInCidrs(ip, ['::/0'])) return 'not an IP address';
  for (const [cidr, reason] of REFUSED) if (ipInCidrs(ip, [cidr])) return reason;
  return null;
}

/** The owner's exceptions (LATCHKEY_WEBHOOK_ALLOW_HOSTS): host names, and IP addresses or ranges. */
export interface AllowList {
  hosts: string[];
  cidrs: string[];
}

/**
 * Null when `address`, reached as `host`, may be contacted; else why not. An allow-listed host name
 * permits whatever it resolves to; an allow-listed address or range permits the addresses in it.
 */
export function checkTarget(host: string, address: string, allow: AllowList): string | null {
  const reason = refusalReason(address);
  if (!reason) return null;
  if (reason !== 'not an IP address' && (allow.hosts.includes(normaliseHost(host)) || ipInCidrs(address, allow.cidrs))) return null;
  return host === address ? `${address} is a ${reason} address` : `${host} resolves to ${address}, a ${reason} address`;
}

/** Lower case, no brackets around IPv6 literals, no trailing dot. */
export function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}
