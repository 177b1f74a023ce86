import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';

/**
 * Session cookies (the admin console's and the member pages'): HttpOnly, SameSite=Strict, Path=/;
 * `Secure` with the `__Host-` prefix whenever Latchkey is reached over https (relaxed only for a
 * plain-http public URL such as localhost).
 */
export type SessionKind = 'admin' | 'member';
type Secure = Pick<AppConfig, 'secureCookies'>;

export function sessionCookieName(config: Secure, kind: SessionKind = 'admin'): string {
  return `${config.secureCookies ? '__Host-' : ''}latchkey_${kind}`;
}

export function readSessionCookie(req: FastifyRequest, config: Secure, kind: SessionKind = 'admin'): string | undefined {
  return req.cookies?.[sessionCookieName(config, kind)];
}

export function setSessionCookie(reply: FastifyReply, config: Secure, token: string, expires: Date, kind: SessionKind = 'admin'): void {
  void reply.setCookie(sessionCookieName(config, kind), token, { httpOnly: true, secure: config.secureCookies, sameSite: 'strict', path: '/', expires });
}

export function clearSessionCookie(reply: FastifyReply, config: Secure, kind: SessionKind = 'admin'): void {
  void reply.clearCookie(sessionCookieName(config, kind), { httpOnly: true, secure: config.secureCookies, sameSite: 'strict', path: '/' });
}
