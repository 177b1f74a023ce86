import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import { SessionStore } from '../../core/session-store';
import { ReauthDialog } from '../../shared/ui/reauth-dialog';

interface NavItem {
  label: string;
  link?: string;
  exact?: boolean;
}

/** The signed-in frame: top bar, navigation, and the current page. */
@Component({
  selector: 'app-shell',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, ReauthDialog],
  templateUrl: './shell.html',
  styleUrl: './shell.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  private readonly api = inject(AdminApi);
  private readonly store = inject(SessionStore);
  private readonly router = inject(Router);

  protected readonly admin = this.store.admin;
  protected readonly signingOut = signal(false);

  protected readonly nav: readonly NavItem[] = [
    { label: 'Overview', link: '/', exact: true },
    { label: 'Media servers', link: '/servers' },
    { label: 'Members', link: '/members' },
    { label: 'Policies', link: '/policies' },
    { label: 'Exemptions', link: '/exemptions' },
    { label: 'Admins', link: '/admins' },
    { label: 'Reminders', link: '/reminders' },
    { label: 'Audit log', link: '/audit' },
    { label: 'Settings', link: '/settings' },
  ];

  protected async signOut(): Promise<void> {
    this.signingOut.set(true);
    try {
      await this.api.signOut();
    } catch {
      // The session may already be gone; either way we forget it here.
    } finally {
      this.store.clear();
      this.signingOut.set(false);
      await this.router.navigateByUrl('/login');
    }
  }
}
