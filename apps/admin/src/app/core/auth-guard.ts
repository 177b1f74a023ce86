import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { AdminApi } from './admin-api';
import { SessionStore } from './session-store';

/**
 * Lets signed-in admins who passed their second factor through. A password-only session goes to the
 * second-factor page; everyone else to the sign-in page (and comes back after).
 */
export const authGuard: CanActivateFn = async (_route, state) => {
  const store = inject(SessionStore);
  const api = inject(AdminApi);
  const router = inject(Router);
  const next = state.url && state.url !== '/' ? state.url : null;
  const query = next ? { queryParams: { next } } : {};
  let session = store.session();
  if (!session) {
    try {
      session = await api.getSession();
      store.set(session);
    } catch {
      return router.createUrlTree(['/login'], query);
    }
  }
  return session.mfa === 'verified' ? true : router.createUrlTree(['/mfa'], query);
};
