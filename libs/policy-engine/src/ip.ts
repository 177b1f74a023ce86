/**
 * Client addresses: which one to believe, and whether it falls in a CIDR range. Written by hand (no
 * `node:net`) so the library runs in a browser too. Every function here fails closed and never throws.
 *
 * Address families: an IPv4 address and its IPv4-mapped IPv6 form (`::ffff:10.1.2.3`, as dual-stack
 * sockets report IPv4 peers) are the same address. IPv4 addresses match only IPv4 ranges (written
 * `a.b.c.d/n`, or `::ffff:a.b.c.d/m` with m ≥ 96); other IPv6 ranges (even `::/0`) match only IPv6
 * addresses, so a broad IPv6 range never quietly lets every IPv4 client through.
 */

/** A parsed address: 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 bytes for other IPv6. */
interface ParsedIp {
  v4: boolean;
  bytes: number[];
}

interface ParsedCidr extends ParsedIp {
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4(text: string): number[] | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const bytes: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const part = m[i] ?? '';
    // Leading zeros are refused: some parsers read `010` as octal 8, others as decimal 10.
    if (part.length > 1 && part.startsWith('0')) return null;
    const n = Number(part);
    if (n > 255) return null;
    bytes.push(n);
  }
  return bytes;
}

function parseGroups(part: string): number[] | null {
  if (part === '') return [];
  const groups: number[] = [];
  for (const g of part.split(':')) {
    if (!HEX_GROUP.test(g)) return null;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

function parseIPv6(text: string): number[] | null {
  let body = text;
  let tail: number[] = [];
  // A trailing dotted IPv4 part stands for the last two groups (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`).
  if (body.includes('.')) {
    const cut = body.lastIndexOf(':');
    if (cut < 0) return null;
    const v4 = parseIPv4(body.slice(cut + 1));
    if (!v4) return null;
    tail = [(v4[0] ?? 0) * 256 + (v4[1] ?? 0), (v4[2] ?? 0) * 256 + (v4[3] ?? 0)];
    // Keep the ':' when it belongs to a '::' just before the IPv4 part.
    body = body.endsWith('::' + body.slice(cut + 1)) ? body.slice(0, cut + 1) : body.slice(0, cut);
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const left = parseGroups(halves[0] ?? '');
    const right = parseGroups(halves[1] ?? '');
    if (!left || !right) return null;
    const missing = 8 - left.length - right.length - tail.length;
    if (missing < 1) return null;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right, ...tail];
  } else {
    const all = parseGroups(body);
    if (!all || all.length === 0) return null;
    groups = [...all, ...tail];
    if (groups.length !== 8) return null;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

/** An IPv4 or IPv6 address (no port, no brackets), IPv4-mapped IPv6 folded to IPv4; null when malformed. */
function parseIp(text: string, allowZone: boolean): ParsedIp | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 100) return null;
  const v4 = parseIPv4(text);
  if (v4) return { v4: true, bytes: v4 };
  let address = text;
  const zone = address.indexOf('%');
  if (zone >= 0) {
    // A zone (`fe80::1%eth0`) only says which interface; it does not change the address.
    if (!allowZone || zone === address.length - 1) return null;
    address = address.slice(0, zone);
  }
  const v6 = parseIPv6(address);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { v4: true, bytes: v6.slice(12) } : { v4: false, bytes: v6 };
}

function parseCidr(text: string): ParsedCidr | null {
  if (typeof text !== 'string') return null;
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const address = parseIp(addressText, false);
  if (!address) return null;
  const max = address.v4 ? 32 : 128;
  if (slash < 0) return { ...address, prefix: max };
  const prefixText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  let prefix = Number(prefixText);
  // `::ffff:10.0.0.0/104` is written in IPv6 bits; as an IPv4 range it is /8.
  const writtenAsMapped = address.v4 && addressText.includes(':');
  if (writtenAsMapped) {
    if (prefix > 128) return null;
    if (prefix < 96) return null; // wider than the mapped space: not a range this engine can match (fail closed)
    prefix -= 96;
  }
  if (prefix > max) return null;
  return { ...address, prefix };
}

function inRange(ip: ParsedIp, range: ParsedCidr): boolean {
  if (ip.v4 !== range.v4) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip.bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function matchesAny(ip: ParsedIp, cidrs: readonly string[]): boolean {
  if (!Array.isArray(cidrs)) return false;
  for (const c of cidrs) {
    const range = parseCidr(c);
    if (range && inRange(ip, range)) return true;
  }
  return false;
}

/**
 * One X-Forwarded-For (or peer) entry: a bare address, `[v6]`, `[v6]:port` or `a.b.c.d:port` (some
 * proxies add the port). Returns the address text without brackets and port, or null when malformed
 * (`unknown`, obfuscated identifiers, garbage).
 */
function readHost(entry: string): { text: string; ip: ParsedIp } | null {
  if (typeof entry !== 'string') return null;
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    if (bracketed[2] !== undefined && Number(bracketed[2]) > 65535) return null;
    const inner = bracketed[1] ?? '';
    const ip = parseIp(inner, true);
    // Brackets belong to IPv6 text only (`[1.2.3.4]` is malformed; `[::ffff:1.2.3.4]` is fine).
    return ip && inner.includes(':') ? { text: inner, ip } : null;
  }
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (withPort) {
    if (Number(withPort[2]) > 65535) return null;
    text = withPort[1] ?? '';
  }
  const ip = parseIp(text, true);
  return ip ? { text, ip } : null;
}

/**
 * The client's address as far as it can be believed.
 *
 * - No peer: `{ ip: null, trusted: false }`.
 * - Peer not a trusted proxy: the peer itself, trusted; X-Forwarded-For is ignored (anyone can send it).
 * - Peer a trusted proxy: X-Forwarded-For is walked from right to left (entries may be whole header
 *   values with commas), skipping trusted proxies; the first other address is the client. If every entry
 *   is a trusted proxy, the left-most one; with no entries, the peer.
 * - A malformed entry met on the way stops the walk: the last good address is returned with
 *   `trusted: false`, so it can be logged but never grants LAN bypass. A malformed peer is returned as
 *   given, untrusted.
 */
export function resolveClientIp(peerIp: string | null, forwardedFor: string[], trustedProxies: string[]): { ip: string | null; trusted: boolean } {
  if (peerIp === null || peerIp === undefined) return { ip: null, trusted: false };
  const peer = readHost(peerIp);
  if (!peer) return { ip: peerIp, trusted: false };
  const proxies = Array.isArray(trustedProxies) ? trustedProxies : [];
  if (!matchesAny(peer.ip, proxies)) return { ip: peer.text, trusted: true };
  const entries: string[] = [];
  for (const header of Array.isArray(forwardedFor) ? forwardedFor : []) {
    if (typeof header !== 'string') return { ip: peer.text, trusted: false };
    // A header sent with no value adds no hop; an empty hop inside a list (`a,,b`) is malformed.
    if (header.trim() === '') continue;
    entries.push(...header.split(','));
  }
  let lastGood = peer.text;
  for (let i = entries.length - 1; i >= 0; i--) {
    const hop = readHost(entries[i] ?? '');
    if (!hop) return { ip: lastGood, trusted: false };
    if (!matchesAny(hop.ip, proxies)) return { ip: hop.text, trusted: true };
    lastGood = hop.text;
  }
  return { ip: lastGood, trusted: true };
}

/**
 * Whether `ip` (IPv4 or IPv6, optionally with a zone) is inside any of the ranges. Ranges are CIDRs or bare
 * addresses (a single host). A malformed address or range never matches; nothing throws.
 */
export function ipInCidrs(ip: string, cidrs: string[]): boolean {
  const parsed = parseIp(typeof ip === 'string' ? ip.trim() : '', true);
  return parsed !== null && matchesAny(parsed, cidrs);
}
