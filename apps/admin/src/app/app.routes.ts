import { Routes } from '@angular/router';
import { authGuard } from './core/auth-guard';

export const routes: Routes = [
  {
    path: 'setup',
    title: 'Set up Latchkey',
    loadComponent: () => import('./features/setup/setup-page').then((m) => m.SetupPage),
  },
  {
    path: 'login',
    title: 'Sign in · Latchkey',
    loadComponent: () => import('./features/login/login-page').then((m) => m.LoginPage),
  },
  {
    path: 'invite',
    title: 'Join the admins · Latchkey',
    loadComponent: () => import('./features/invite/accept-invite-page').then((m) => m.AcceptInvitePage),
  },
  {
    path: 'mfa',
    title: 'Second step · Latchkey',
    loadComponent: () => import('./features/mfa/mfa-page').then((m) => m.MfaPage),
  },
  {
    path: '',
    canActivate: [authGuard],
    loadComponent: () => import('./features/shell/shell').then((m) => m.Shell),
    children: [
      {
        path: '',
        pathMatch: 'full',
        title: 'Overview · Latchkey',
        loadComponent: () => import('./features/overview/overview-page').then((m) => m.OverviewPage),
      },
      {
        path: 'servers',
        title: 'Media servers · Latchkey',
        loadComponent: () => import('./features/servers/servers-page').then((m) => m.ServersPage),
      },
      {
        path: 'members',
        title: 'Members · Latchkey',
        loadComponent: () => import('./features/members/members-page').then((m) => m.MembersPage),
      },
      {
        path: 'members/:memberId',
        title: 'Member · Latchkey',
        loadComponent: () => import('./features/members/member-page').then((m) => m.MemberPage),
      },
      {
        path: 'admins',
        title: 'Admins · Latchkey',
        loadComponent: () => import('./features/admins/admins-page').then((m) => m.AdminsPage),
      },
      {
        path: 'policies',
        title: 'Policies · Latchkey',
        loadComponent: () => import('./features/policies/policies-page').then((m) => m.PoliciesPage),
      },
      {
        path: 'policies/new',
        title: 'New policy · Latchkey',
        loadComponent: () => import('./features/policies/policy-form-page').then((m) => m.PolicyFormPage),
      },
      {
        path: 'policies/:policyId',
        title: 'Edit policy · Latchkey',
        loadComponent: () => import('./features/policies/policy-form-page').then((m) => m.PolicyFormPage),
      },
      {
        path: 'exemptions',
        title: 'Exemptions · Latchkey',
        loadComponent: () => import('./features/exemptions/exemptions-page').then((m) => m.ExemptionsPage),
      },
      {
        path: 'audit',
        title: 'Audit log · Latchkey',
        loadComponent: () => import('./features/audit/audit-page').then((m) => m.AuditPage),
      },
      {
        path: 'settings',
        title: 'Settings · Latchkey',
        loadComponent: () => import('./features/settings/settings-page').then((m) => m.SettingsPage),
      },
      {
        path: 'reminders',
        title: 'Reminders · Latchkey',
        loadComponent: () => import('./features/reminders/reminders-page').then((m) => m.RemindersPage),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
