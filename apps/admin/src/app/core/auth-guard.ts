import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { AdminApi } from './admin-api';
import { SessionStore } from './session-store';

/** Lets signed-in owners through; everyone else goes to the sign-in page (and comes back after). */
export const authGuard: CanActivateFn = async (_route, state) => {
  const store = inject(SessionStore);
  const api = inject(AdminApi);
  const router = inject(Router);
  if (store.session()) return true;
  try {
    store.set(await api.getSession());
    return true;
  } catch {
    const next = state.url && state.url !== '/' ? state.url : null;
    return router.createUrlTree(['/login'], next ? { queryParams: { next } } : {});
  }
};
