import net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Jellyfin's authentication endpoints, as its ASP.NET Core routing matches them: case-insensitive, an
 * optional trailing slash, percent-encoded characters decoded, and the legacy `/emby` and `/mediabrowser`
 * prefixes that Jellyfin strips. Anchored, so `/Users/AuthenticateByName/../x` tricks do not apply and
 * nothing else is caught.
 */
const AUTH_PATH = /^(?:\/(?:emby|mediabrowser))?\/users\/(?:authenticatebyname|authenticatewithquickconnect|[^/]+\/authenticate)\/?$/i;

export function isAuthenticationPath(rawUrl: string): boolean {
  const pathPart = rawUrl.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    decoded = pathPart;
  }
  // Repeated slashes are collapsed defensively: the check must never be skipped by an alternate spelling.
  return AUTH_PATH.test(decoded.replace(/\/{2,}/g, '/'));
}

/** What a Jellyfin client says about itself in `Authorization: MediaBrowser …` / `X-Emby-Authorization`. */
export interface EmbyAuthorization {
  client?: string;
  device?: string;
  deviceId?: string;
  version?: string;
  token?: string;
}

/** Parses `MediaBrowser Client="…", Device="…", DeviceId="…", Version="…", Token="…"` (values URL-encoded). */
export function parseEmbyAuthorization(value: string | undefined): EmbyAuthorization | null {
  if (!value) return null;
  const m = /^\s*(?:MediaBrowser|Emby)\s+(.*)$/is.exec(value);
  if (!m) return null;
  const fields: Record<string, string> = {};
  const re = /([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g;
  for (let part = re.exec(m[1] ?? ''); part; part = re.exec(m[1] ?? '')) {
    const raw = part[2] ?? part[3] ?? '';
    let v = raw;
    try {
      v = decodeURIComponent(raw);
    } catch {
      v = raw;
    }
    fields[(part[1] ?? '').toLowerCase()] = v;
  }
  const pick = (k: string) => (fields[k] ? fields[k] : undefined);
  return { client: pick('client'), device: pick('device'), deviceId: pick('deviceid'), version: pick('version'), token: pick('token') };
}

/** Jellyfin reads `Authorization` first and falls back to `X-Emby-Authorization`. */
export function embyAuthorizationOf(headers: IncomingHttpHeaders): EmbyAuthorization | null {
  const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
  return parseEmbyAuthorization(one(headers['authorization'])) ?? parseEmbyAuthorization(one(headers['x-emby-authorization']));
}

/** Decides which client address to believe: X-Forwarded-For only through configured trusted proxies. */
export class ClientAddress {
  private readonly trusted = new net.BlockList();

  constructor(trustedProxies: string[]) {
    for (const entry of trustedProxies) {
      const [addr, bits] = entry.split('/');
      const family = net.isIPv6(addr ?? '') ? 'ipv6' : 'ipv4';
      if (!addr || !net.isIP(addr)) throw new Error(`GATEWAY_TRUSTED_PROXIES: "${entry}" is not an address or CIDR range`);
      if (bits === undefined) this.trusted.addAddress(addr, family);
      else this.trusted.addSubnet(addr, Number(bits), family);
    }
  }

  isTrusted(address: string): boolean {
    const a = normalize(address);
    return net.isIP(a) !== 0 && this.trusted.check(a, net.isIPv6(a) ? 'ipv6' : 'ipv4');
  }

  /** The first address, from the right, that is not a trusted proxy (the peer itself when it is not one). */
  resolve(peer: string, forwardedFor: string | string[] | undefined): string {
    let current = normalize(peer);
    if (!this.isTrusted(current)) return current;
    const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    while (chain.length > 0) {
      const next = normalize(chain.pop() ?? '');
      if (net.isIP(next) === 0) return current;
      current = next;
      if (!this.isTrusted(current)) return current;
    }
    return current;
  }
}

function normalize(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}
