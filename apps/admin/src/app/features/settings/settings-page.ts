import { ChangeDetectionStrategy, Component, OnInit, computed, inject, signal } from '@angular/core';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SessionStore } from '../../core/session-store';
import type { Settings } from '@latchkey/contracts';
import { SettingsApi } from '../../core/settings-api';
import { EmailSettingsCard } from './email-settings';
import { NotificationChannels } from './notification-channels';
import { SecuritySettingsCard } from './security-settings';

/** Settings: the mail server, notification channels, and security settings, each in its own card. */
@Component({
  selector: 'app-settings-page',
  imports: [EmailSettingsCard, NotificationChannels, SecuritySettingsCard],
  templateUrl: './settings-page.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SettingsPage implements OnInit {
  private readonly api = inject(SettingsApi);
  private readonly store = inject(SessionStore);

  protected readonly canChange = this.store.canChange;
  protected readonly adminEmail = computed(() => this.store.admin()?.email ?? '');
  protected readonly settings = signal<Settings | null>(null);
  protected readonly problem = signal<ApiProblem | null>(null);

  async ngOnInit(): Promise<void> {
    await this.load();
  }

  protected async load(): Promise<void> {
    this.problem.set(null);
    try {
      this.settings.set(await this.api.settings());
    } catch (err) {
      this.problem.set(toApiProblem(err));
    }
  }
}
