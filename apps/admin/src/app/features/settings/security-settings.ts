import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { FieldControl, FormField } from '@latchkey/ui';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { SecuritySettings, UpdateSecuritySettingsRequest } from '@latchkey/contracts';
import { SettingsApi } from '../../core/settings-api';
import { Confirmation } from '../../shared/confirmation';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { lines } from '../../shared/lines';
import { SOURCE_LABELS } from './settings-labels';

type Section = 'passkeys' | 'trust';

/** Passkey RP ID and origins, device trust lifetime (editable); trusted proxies and re-auth window (environment only). */
@Component({
  selector: 'app-security-settings',
  imports: [FormsModule, RouterLink, FormField, FieldControl, ConfirmDialog],
  templateUrl: './security-settings.html',
  styleUrl: './settings-section.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SecuritySettingsCard implements OnInit {
  private readonly api = inject(SettingsApi);

  readonly initial = input.required<SecuritySettings>();
  readonly canChange = input(false);

  protected readonly sources = SOURCE_LABELS;
  protected readonly settings = signal<SecuritySettings | null>(null);
  protected readonly editing = signal<Section | null>(null);
  protected readonly saving = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly notice = signal<string | null>(null);

  protected readonly rpId = signal('');
  protected readonly origins = signal('');
  protected readonly trustDays = signal<number | null>(30);

  /** Changing the RP ID strands passkeys registered under the old one: asked first. */
  protected readonly passkeyChange = new Confirmation<UpdateSecuritySettingsRequest>();

  ngOnInit(): void {
    this.settings.set(this.initial());
  }

  protected edit(section: Section): void {
    const s = this.settings();
    if (!s) return;
    this.rpId.set(s.webauthn.rpId);
    this.origins.set(s.webauthn.origins.join('\n'));
    this.trustDays.set(s.deviceTrust.trustDays);
    this.problem.set(null);
    this.notice.set(null);
    this.editing.set(section);
  }

  protected field(path: string): string | null {
    const fields = this.problem()?.fields ?? {};
    const found = Object.entries(fields).filter(([k]) => k === path || k.startsWith(`${path}.`));
    return found.length ? found.map(([, v]) => v).join(' ') : null;
  }

  protected savePasskeys(): void {
    const body: UpdateSecuritySettingsRequest = { webauthn: { rpId: this.rpId().trim(), origins: lines(this.origins()) } };
    if (body.webauthn?.rpId !== this.settings()?.webauthn.rpId) this.passkeyChange.ask(body);
    else void this.save(body, 'Passkey settings saved.');
  }

  protected async confirmPasskeys(): Promise<void> {
    await this.passkeyChange.run((body) => this.save(body, 'Passkey settings saved.'));
  }

  protected saveTrust(): void {
    void this.save({ trustDays: Number(this.trustDays()) }, 'Device trust lifetime saved. It applies to devices remembered from now on.');
  }

  protected useEnvironment(section: Section): void {
    void this.save(section === 'passkeys' ? { webauthn: null } : { trustDays: null }, 'Back to the value from the environment.');
  }

  private async save(body: UpdateSecuritySettingsRequest, notice: string): Promise<void> {
    if (this.saving()) return;
    this.saving.set(true);
    this.problem.set(null);
    try {
      this.settings.set(await this.api.updateSecurity(body));
      this.editing.set(null);
      this.notice.set(notice);
    } catch (err) {
      this.problem.set(toApiProblem(err));
    } finally {
      this.saving.set(false);
    }
  }
}
