import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { catchError, from, switchMap, throwError } from 'rxjs';
import { API_BASE, Codes, type ErrorBody } from './api-types';

/**
 * Changing security settings needs a second-factor check in the last few minutes. When the API answers
 * `reauth_required`, the console asks for the second factor (the re-auth dialog in the shell) and, once
 * it is checked, sends the same request again. Requests that arrive meanwhile share the one dialog.
 */
@Injectable({ providedIn: 'root' })
export class Reauth {
  private pending: { promise: Promise<boolean>; resolve: (ok: boolean) => void } | null = null;
  /** Whether the dialog should be open. */
  readonly asking = signal(false);

  /** Resolves true once the admin has passed their second factor again, false if they gave up. */
  confirm(): Promise<boolean> {
    if (!this.pending) {
      let resolve!: (ok: boolean) => void;
      const promise = new Promise<boolean>((r) => (resolve = r));
      this.pending = { promise, resolve };
      this.asking.set(true);
    }
    return this.pending.promise;
  }

  /** Called by the dialog. */
  settle(ok: boolean): void {
    const pending = this.pending;
    this.pending = null;
    this.asking.set(false);
    pending?.resolve(ok);
  }
}

export function isReauthRequired(err: unknown): boolean {
  return err instanceof HttpErrorResponse && err.status === 403 && (err.error as ErrorBody | null)?.error?.code === Codes.reauthRequired;
}

/** Outermost interceptor: a retried request goes through the others again (with the renewed CSRF token). */
export const reauthInterceptor: HttpInterceptorFn = (req, next) => {
  const reauth = inject(Reauth);
  return next(req).pipe(
    catchError((err: unknown) => {
      if (!isReauthRequired(err) || req.url.startsWith(`${API_BASE}/admin/mfa/`)) return throwError(() => err);
      return from(reauth.confirm()).pipe(switchMap((ok) => (ok ? next(req) : throwError(() => err))));
    }),
  );
};
