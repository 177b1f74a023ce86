import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { ServerKind } from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { VERSION } from '../version';
import type { ProtectedHost } from './forward-auth.service';

const TIMEOUT_MS = 10_000;

/** Jellyfin's (and Emby's) answer to AuthenticateByName: only what Latchkey reads. */
const AuthenticationResult = z.object({
  User: z.object({ Id: z.string().min(1).max(200), Name: z.string().max(200) }),
  AccessToken: z.string().max(500).optional(),
});

/**
 * Checks a member's media-server password by asking the media server itself — the only way Latchkey ever
 * sees one, in transit, never stored or logged. Jellyfin and Emby answer `POST /Users/AuthenticateByName`;
 * the session that call opens on the media server is logged out straight away. Plex signs its users in
 * at plex.tv, so there is nothing to ask: Plex members sign in here with a passkey.
 */
@Injectable()
export class MediaServerPasswords {
  private readonly logger = new Logger('MediaServerPasswords');

  supports(kind: ServerKind): boolean {
    return kind === 'jellyfin' || kind === 'emby';
  }

  /** The media server's user for these credentials; null when the media server says they are wrong. */
  async check(server: ProtectedHost, username: string, password: string): Promise<{ id: string; name: string } | null> {
    const auth = authorization(server.serverId);
    let res: Response;
    try {
      res = await fetch(`${server.baseUrl}/Users/AuthenticateByName`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: auth, 'x-emby-authorization': auth },
        body: JSON.stringify({ Username: username, Pw: password }),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      this.logger.warn(`${server.name} could not be reached to check a password: ${(e as Error).message}`);
      throw unavailable(server);
    }
    if (res.status === 400 || res.status === 401 || res.status === 403 || res.status === 404) return null;
    if (!res.ok) {
      this.logger.warn(`${server.name} answered ${res.status} to a password check.`);
      throw unavailable(server);
    }
    const parsed = AuthenticationResult.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw unavailable(server);
    const token = parsed.data.AccessToken;
    if (token) await this.logout(server, token);
    return { id: parsed.data.User.Id, name: parsed.data.User.Name };
  }

  /** Ends the media-server session the check opened (best effort: it expires on its own otherwise). */
  private async logout(server: ProtectedHost, token: string): Promise<void> {
    const auth = `${authorization(server.serverId)}, Token="${token}"`;
    await fetch(`${server.baseUrl}/Sessions/Logout`, {
      method: 'POST',
      headers: { authorization: auth, 'x-emby-authorization': auth, 'x-emby-token': token },
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).catch(() => undefined);
  }
}

function authorization(serverId: string): string {
  return `MediaBrowser Client="Latchkey", Device="Latchkey sign-in", DeviceId="latchkey-${serverId}", Version="${VERSION}"`;
}

function unavailable(server: ProtectedHost): AppException {
  return new AppException(503, 'service_unavailable', `${server.name} could not check the password right now. Try again, or sign in with a passkey.`);
}

/** Jellyfin writes user ids with or without dashes depending on the API; the directory may hold either. */
export function userIdForms(id: string): string[] {
  const bare = id.replace(/-/g, '').toLowerCase();
  const dashed = /^[0-9a-f]{32}$/.test(bare) ? `${bare.slice(0, 8)}-${bare.slice(8, 12)}-${bare.slice(12, 16)}-${bare.slice(16, 20)}-${bare.slice(20)}` : bare;
  return [...new Set([id, bare, dashed])];
}
