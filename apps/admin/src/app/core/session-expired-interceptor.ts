import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { API_BASE } from './api-types';
import { SessionStore } from './session-store';

/** Calls that answer 401 as part of their normal job; everything else answering 401 means "signed out". */
const AUTH_URLS = [`${API_BASE}/admin/session`, `${API_BASE}/admin/setup`];

/** When the session ends (expired, revoked elsewhere), forget it and go to the sign-in page. */
export const sessionExpiredInterceptor: HttpInterceptorFn = (req, next) => {
  const store = inject(SessionStore);
  const router = inject(Router);
  return next(req).pipe(
    catchError((err: unknown) => {
      if (err instanceof HttpErrorResponse && err.status === 401 && !AUTH_URLS.some((u) => req.url.startsWith(u))) {
        store.clear();
        const here = router.url;
        void router.navigate(['/login'], { queryParams: here && here !== '/' ? { next: here } : {} });
      }
      return throwError(() => err);
    }),
  );
};
