import type { IncomingHttpHeaders } from 'node:http';
import { parseEmbyAuthorization } from './auth-request';

/** What a request presents to Jellyfin: its access token (or API key) and the device it says it is. */
export interface PresentedCredentials {
  token?: string;
  deviceId?: string;
}

const QUERY_TOKEN = /^(?:api_key|apikey)$/i;

/**
 * Reads the token the way Jellyfin does: `Authorization: MediaBrowser … Token="…"`, `X-Emby-Authorization`,
 * `X-Emby-Token`, `X-MediaBrowser-Token`, or the `api_key` / `ApiKey` query parameter (any case).
 */
export function presentedCredentials(headers: IncomingHttpHeaders, rawUrl: string): PresentedCredentials {
  const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
  const auth = parseEmbyAuthorization(one(headers['authorization'])) ?? parseEmbyAuthorization(one(headers['x-emby-authorization']));
  let token = auth?.token ?? one(headers['x-emby-token']) ?? one(headers['x-mediabrowser-token']);
  const q = rawUrl.indexOf('?');
  if (!token && q >= 0) {
    for (const [k, v] of new URLSearchParams(rawUrl.slice(q + 1))) {
      if (QUERY_TOKEN.test(k) && v) {
        token = v;
        break;
      }
    }
  }
  return { ...(token ? { token } : {}), ...(auth?.deviceId ? { deviceId: auth.deviceId } : {}) };
}

/** A Set that forgets its oldest entries past a bound (insertion order). */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  add(v: string): void {
    this.items.delete(v);
    this.items.add(v);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value as string);
  }
  has(v: string): boolean {
    return this.items.has(v);
  }
  get size(): number {
    return this.items.size;
  }
}

/**
 * Jellyfin access tokens that must not reach Jellyfin any more because Latchkey revoked their device.
 *
 * - Tokens the gateway let through for a device are refused once the device is revoked.
 * - Tokens it never saw (issued before a gateway restart) are refused when the request names a revoked
 *   device (`DeviceId` in the authorization header) and the token was not let through after the revocation;
 *   such a token is then refused in every form (`api_key` in a stream URL, too).
 *
 * All in memory and bounded; the check is a Set lookup, and nothing when nothing was revoked.
 */
export class RevokedTokens {
  private readonly tokens = new BoundedSet(100_000);
  /** Revoked device ids → tokens the gateway let through for that device since. */
  private readonly devices = new Map<string, Set<string>>();
  private static readonly MAX_DEVICES = 50_000;

  /** Marks a device revoked, with the tokens the gateway had let through for it. */
  revokeDevice(deviceId: string, tokens: readonly string[]): void {
    for (const t of tokens) this.tokens.add(t);
    this.devices.delete(deviceId);
    this.devices.set(deviceId, new Set());
    if (this.devices.size > RevokedTokens.MAX_DEVICES) this.devices.delete(this.devices.keys().next().value as string);
  }

  /** A sign-in of a revoked device was let through again (after a new check): its new token is good. */
  issued(deviceId: string, token: string): void {
    const fresh = this.devices.get(deviceId);
    if (fresh && fresh.size < 1000) fresh.add(token);
  }

  /** Whether anything was revoked at all (nothing to look at otherwise). */
  get active(): boolean {
    return this.devices.size > 0 || this.tokens.size > 0;
  }

  /**
   * Whether the request carries a token issued before its device was revoked: `known` (already refused and
   * signed out), `newly_found` (recognised by its revoked DeviceId; remembered from now on), or false.
   */
  refuses(presented: PresentedCredentials): 'known' | 'newly_found' | false {
    const { token, deviceId } = presented;
    if (!token) return false;
    if (this.tokens.has(token)) return 'known';
    if (deviceId === undefined) return false;
    const fresh = this.devices.get(deviceId);
    if (!fresh || fresh.has(token)) return false;
    this.tokens.add(token);
    return 'newly_found';
  }
}
