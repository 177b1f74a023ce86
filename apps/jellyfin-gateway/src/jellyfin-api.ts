import type http from 'node:http';
import { proxyBuffered, type Upstream } from './proxy';

/** The parts of Jellyfin's `SessionInfoDto` the gateway reads. */
export interface JellyfinSession {
  Id?: string | null;
  UserId?: string;
  DeviceId?: string | null;
}

/** The parts of Jellyfin's `UserDto` the directory sync reads. */
export interface JellyfinUser {
  Id?: string;
  Name?: string | null;
  Policy?: { IsDisabled?: boolean; IsHidden?: boolean } | null;
}

/** The parts of Jellyfin's `VirtualFolderInfo` (a library) the directory sync reads. */
export interface JellyfinLibrary {
  Name?: string | null;
  ItemId?: string | null;
}

/** Jellyfin's `MessageCommand`: a message shown on a session. */
export interface JellyfinMessage {
  Header: string;
  Text: string;
  TimeoutMs: number;
}

/** Jellyfin writes user ids with or without dashes; compare them in one form. */
export function sameJellyfinId(a: string | undefined | null, b: string | undefined | null): boolean {
  const norm = (v: string | undefined | null) => (v ?? '').toLowerCase().replace(/-/g, '');
  return norm(a) !== '' && norm(a) === norm(b);
}

/**
 * Calls the gateway makes to Jellyfin itself: signing a token out, and — with the owner's Jellyfin API
 * key — listing sessions, users and libraries and showing messages on sessions.
 */
export class JellyfinApi {
  constructor(
    private readonly upstream: Upstream,
    private readonly apiKey: string | undefined,
  ) {}

  get hasApiKey(): boolean {
    return this.apiKey !== undefined;
  }

  /** Ends the Jellyfin session of an access token. */
  async logout(accessToken: string): Promise<void> {
    const res = await proxyBuffered(this.upstream, 'POST', '/Sessions/Logout', this.headers(accessToken), Buffer.alloc(0));
    // 401: already signed out — the wanted outcome.
    if (res.status >= 300 && res.status !== 401) throw new Error(`Jellyfin answered ${res.status} to POST /Sessions/Logout`);
  }

  /** The active sessions of one user (seen within the last 16 minutes, as Jellyfin's dashboard shows them). */
  async sessionsOf(userId: string): Promise<Array<JellyfinSession & { Id: string }>> {
    const sessions = await this.getJson<JellyfinSession[]>('/Sessions?activeWithinSeconds=960');
    return sessions.filter((s): s is JellyfinSession & { Id: string } => typeof s.Id === 'string' && s.Id !== '' && sameJellyfinId(s.UserId, userId));
  }

  async message(sessionId: string, message: JellyfinMessage): Promise<void> {
    const res = await proxyBuffered(this.upstream, 'POST', `/Sessions/${encodeURIComponent(sessionId)}/Message`, this.headers(this.key()), Buffer.from(JSON.stringify(message)));
    if (res.status >= 300) throw new Error(`Jellyfin answered ${res.status} to POST /Sessions/{id}/Message`);
  }

  users(): Promise<JellyfinUser[]> {
    return this.getJson<JellyfinUser[]>('/Users');
  }

  libraries(): Promise<JellyfinLibrary[]> {
    return this.getJson<JellyfinLibrary[]>('/Library/VirtualFolders');
  }

  private async getJson<T>(path: string): Promise<T> {
    const res = await proxyBuffered(this.upstream, 'GET', path, { ...this.headers(this.key()), 'accept-encoding': 'identity' }, Buffer.alloc(0));
    const route = path.split('?')[0];
    if (res.status !== 200) throw new Error(`Jellyfin answered ${res.status} to GET ${route}`);
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new Error(`Jellyfin answered GET ${route} with something other than JSON`);
    }
  }

  private key(): string {
    if (!this.apiKey) throw new Error('JELLYFIN_API_KEY is not set');
    return this.apiKey;
  }

  private headers(token: string): http.OutgoingHttpHeaders {
    return { authorization: `MediaBrowser Token="${encodeURIComponent(token)}"`, 'content-type': 'application/json' };
  }
}
