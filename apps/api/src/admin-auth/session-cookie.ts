import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';

/**
 * The admin session cookie: HttpOnly, SameSite=Strict, Path=/; `Secure` with the `__Host-` prefix
 * whenever Latchkey is reached over https (relaxed only for a plain-http public URL such as localhost).
 */
export function sessionCookieName(config: Pick<AppConfig, 'secureCookies'>): string {
  return config.secureCookies ? '__Host-latchkey_admin' : 'latchkey_admin';
}

export function readSessionCookie(req: FastifyRequest, config: Pick<AppConfig, 'secureCookies'>): string | undefined {
  return req.cookies?.[sessionCookieName(config)];
}

export function setSessionCookie(reply: FastifyReply, config: Pick<AppConfig, 'secureCookies'>, token: string, expires: Date): void {
  void reply.setCookie(sessionCookieName(config), token, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'strict',
    path: '/',
    expires,
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Pick<AppConfig, 'secureCookies'>): void {
  void reply.clearCookie(sessionCookieName(config), { httpOnly: true, secure: config.secureCookies, sameSite: 'strict', path: '/' });
}
