import { Injectable, computed, signal } from '@angular/core';
import type { AdminSession } from './api-types';

/** The signed-in owner's session, as the API last described it. Memory only; the cookie is HttpOnly. */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly current = signal<AdminSession | null>(null);

  readonly session = this.current.asReadonly();
  readonly admin = computed(() => this.current()?.admin ?? null);
  readonly csrfToken = computed(() => this.current()?.csrfToken ?? null);
  /** Viewers read only; the console hides what they may not do (the API refuses it anyway). */
  readonly canChange = computed(() => {
    const role = this.admin()?.role;
    return role === 'owner' || role === 'admin';
  });
  /** Only owners invite, change and remove admins. */
  readonly canManageAdmins = computed(() => this.admin()?.role === 'owner');

  set(session: AdminSession): void {
    this.current.set(session);
  }

  clear(): void {
    this.current.set(null);
  }
}
