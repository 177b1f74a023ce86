import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config/config';

/**
 * The forward-auth session cookie. It holds a member session (the same kind of session as the member
 * pages', revoked the same way) that was opened by a complete sign-in: a user-verifying passkey, or the
 * media-server password and a second factor. It differs from the member pages' cookie in two ways the
 * proxy needs: it may be scoped to a parent domain (LATCHKEY_FORWARD_AUTH_COOKIE_DOMAIN) so that
 * media.example.com sees a session made on mfa.example.com, and it is SameSite=Lax so that following a
 * link to the media server from elsewhere does not loop through the sign-in page.
 */
type CookieConfig = Pick<AppConfig, 'secureCookies' | 'forwardAuth'>;

/** Longest Cookie header looked at; a larger one is garbage (or an attack) and gets no session. */
const MAX_COOKIE_HEADER = 8192;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function proxyCookieName(config: Pick<AppConfig, 'secureCookies'>): string {
  return `${config.secureCookies ? '__Secure-' : ''}latchkey_proxy`;
}

/** The session token from a Cookie header, or null when it is missing, repeated, oversized or not a token. */
export function proxySessionToken(cookieHeader: string | string[] | undefined, config: Pick<AppConfig, 'secureCookies'>): string | null {
  if (typeof cookieHeader !== 'string' || cookieHeader.length > MAX_COOKIE_HEADER) return null;
  const name = proxyCookieName(config);
  let found: string | null = null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    // Two cookies of this name (say, one per domain): ambiguous, so neither.
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found !== null && TOKEN.test(found) ? found : null;
}

export function setProxyCookie(reply: FastifyReply, config: CookieConfig, token: string, expires: Date): void {
  void reply.setCookie(proxyCookieName(config), token, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'lax',
    path: '/',
    expires,
    ...(config.forwardAuth.cookieDomain ? { domain: config.forwardAuth.cookieDomain } : {}),
  });
}
