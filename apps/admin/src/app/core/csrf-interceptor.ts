import { HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { CSRF_HEADER } from './api-types';
import { SessionStore } from './session-store';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Only our own origin ever sees the token: relative URLs, or absolute ones on this origin. */
function isSameOrigin(url: string): boolean {
  if (url.startsWith('/') && !url.startsWith('//')) return true;
  try {
    return new URL(url, globalThis.location?.href).origin === globalThis.location?.origin;
  } catch {
    return false;
  }
}

/** Sends the session's CSRF token with every state-changing request to the API. */
export const csrfInterceptor: HttpInterceptorFn = (req, next) => {
  if (SAFE_METHODS.has(req.method.toUpperCase()) || !isSameOrigin(req.url)) return next(req);
  const token = inject(SessionStore).csrfToken();
  if (!token) return next(req);
  return next(req.clone({ setHeaders: { [CSRF_HEADER]: token } }));
};
