import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { FieldControl, FormField } from '@latchkey/ui';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { EmailSettings, TestEmailResult } from '@latchkey/contracts';
import { SettingsApi } from '../../core/settings-api';
import { Confirmation } from '../../shared/confirmation';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { SOURCE_LABELS } from './settings-labels';

type Security = EmailSettings['security'];

export const SMTP_SECURITY: readonly { value: Security; label: string; port: number }[] = [
  { value: 'starttls', label: 'STARTTLS (usually port 587)', port: 587 },
  { value: 'tls', label: 'TLS from the start (usually port 465)', port: 465 },
  { value: 'none', label: 'None (a relay on this host or network only)', port: 25 },
];

/** The mail server: what is in effect, a console override, and a test e-mail through it. */
@Component({
  selector: 'app-email-settings',
  imports: [FormsModule, DatePipe, FormField, FieldControl, ConfirmDialog],
  templateUrl: './email-settings.html',
  styleUrl: './settings-section.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class EmailSettingsCard implements OnInit {
  private readonly api = inject(SettingsApi);

  readonly initial = input.required<EmailSettings>();
  readonly canChange = input(false);
  /** Where the test goes when no address is typed: the signed-in admin. */
  readonly adminEmail = input('');

  protected readonly securities = SMTP_SECURITY;
  protected readonly sources = SOURCE_LABELS;
  protected readonly email = signal<EmailSettings | null>(null);
  protected readonly securityLabel = computed(() => SMTP_SECURITY.find((s) => s.value === this.email()?.security)?.label ?? '');

  protected readonly editing = signal(false);
  protected readonly saving = signal(false);
  protected readonly saveProblem = signal<ApiProblem | null>(null);
  protected readonly notice = signal<string | null>(null);
  protected readonly host = signal('');
  protected readonly port = signal<number | null>(587);
  protected readonly security = signal<Security>('starttls');
  protected readonly user = signal('');
  protected readonly password = signal('');
  protected readonly clearPassword = signal(false);
  protected readonly from = signal('');

  protected readonly testTo = signal('');
  protected readonly testing = signal(false);
  protected readonly testResult = signal<TestEmailResult | null>(null);
  protected readonly testProblem = signal<ApiProblem | null>(null);

  protected readonly reset = new Confirmation<true>();

  ngOnInit(): void {
    this.email.set(this.initial());
  }

  protected edit(): void {
    const e = this.email();
    this.host.set(e?.host ?? '');
    this.port.set(e?.port ?? 587);
    this.security.set(e?.security ?? 'starttls');
    this.user.set(e?.user ?? '');
    this.password.set('');
    this.clearPassword.set(false);
    this.from.set(e?.from ?? '');
    this.saveProblem.set(null);
    this.notice.set(null);
    this.editing.set(true);
  }

  protected chooseSecurity(value: Security): void {
    const old = SMTP_SECURITY.find((s) => s.value === this.security());
    this.security.set(value);
    // Follow the usual port unless the admin typed another one.
    if (old && this.port() === old.port) this.port.set(SMTP_SECURITY.find((s) => s.value === value)?.port ?? null);
  }

  protected field(name: string): string | null {
    return this.saveProblem()?.fields[name] ?? null;
  }

  protected async save(): Promise<void> {
    if (this.saving()) return;
    this.saving.set(true);
    this.saveProblem.set(null);
    const user = this.user().trim() || null;
    try {
      const saved = await this.api.updateEmail({
        host: this.host().trim(),
        port: Number(this.port()),
        security: this.security(),
        user,
        ...(this.clearPassword() || !user ? { password: null } : this.password() ? { password: this.password() } : {}),
        from: this.from().trim(),
      });
      this.email.set(saved);
      this.editing.set(false);
      this.notice.set('Mail server saved. Send a test e-mail to check it.');
    } catch (err) {
      this.saveProblem.set(toApiProblem(err));
    } finally {
      this.password.set('');
      this.saving.set(false);
    }
  }

  protected async confirmReset(): Promise<void> {
    await this.reset.run(async () => {
      this.email.set(await this.api.resetEmail());
      this.editing.set(false);
      this.notice.set('Latchkey uses the mail server from its environment again.');
    });
  }

  protected async sendTest(): Promise<void> {
    if (this.testing()) return;
    this.testing.set(true);
    this.testResult.set(null);
    this.testProblem.set(null);
    try {
      this.testResult.set(await this.api.testEmail(this.testTo().trim() || null));
    } catch (err) {
      this.testProblem.set(toApiProblem(err));
    } finally {
      this.testing.set(false);
    }
  }
}
