import { Routes } from '@angular/router';

export const routes: Routes = [
  {
    path: '',
    pathMatch: 'full',
    title: 'Two-step verification · Latchkey',
    loadComponent: () => import('./pages/landing/landing-page').then((m) => m.LandingPage),
  },
  {
    path: 'enrol',
    title: 'Set up two-step verification · Latchkey',
    loadComponent: () => import('./pages/enrol/enrol-page').then((m) => m.EnrolPage),
  },
  {
    path: 'verify',
    title: 'Confirm it is you · Latchkey',
    loadComponent: () => import('./pages/verify/verify-page').then((m) => m.VerifyPage),
  },
  {
    path: 'pair',
    title: 'Approve a TV or app · Latchkey',
    loadComponent: () => import('./pages/pair/pair-page').then((m) => m.PairPage),
  },
  {
    path: 'security',
    title: 'My security · Latchkey',
    loadComponent: () => import('./pages/security/security-page').then((m) => m.SecurityPage),
  },
  {
    path: 'sign-in',
    title: 'Sign in · Latchkey',
    loadComponent: () => import('./pages/sign-in/sign-in-page').then((m) => m.SignInPage),
  },
  {
    path: '**',
    title: 'Page not found · Latchkey',
    loadComponent: () => import('./pages/not-found/not-found-page').then((m) => m.NotFoundPage),
  },
];
