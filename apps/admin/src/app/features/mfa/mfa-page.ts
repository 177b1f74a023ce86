import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import type { AdminSession, Challenge, TotpEnrolment } from '../../core/api-types';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SessionStore } from '../../core/session-store';
import { createPasskey, passkeyCancelled, passkeysSupported } from '@latchkey/ui';
import { PASSKEY_CLOSED, SecondFactorCheck } from '../../shared/ui/second-factor-check';
import { safeNextUrl } from '../login/login-page';

type Step = 'loading' | 'enrol' | 'enrol-totp' | 'verify' | 'failed';

/**
 * The second step of every admin sign-in. A new owner sets up a passkey or an authenticator app;
 * afterwards each sign-in is confirmed with one of them (or a recovery code).
 */
@Component({
  selector: 'app-mfa-page',
  imports: [ReactiveFormsModule, SecondFactorCheck],
  templateUrl: './mfa-page.html',
  styleUrl: './mfa-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MfaPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly store = inject(SessionStore);
  private readonly router = inject(Router);

  /** Where to go afterwards (query parameter `next`, set by the guard). */
  readonly next = input<string>();

  protected readonly step = signal<Step>('loading');
  protected readonly enrolment = signal<TotpEnrolment | null>(null);
  protected readonly challenge = signal<Challenge | null>(null);
  protected readonly busy = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly passkeys = passkeysSupported();

  protected readonly form = inject(NonNullableFormBuilder).group({ code: ['', [Validators.required, Validators.minLength(6)]] });

  async ngOnInit(): Promise<void> {
    try {
      const session = this.store.session() ?? (await this.api.getSession());
      this.store.set(session);
      await this.route(session);
    } catch {
      await this.router.navigateByUrl('/login');
    }
  }

  protected async startTotp(): Promise<void> {
    await this.run(async () => {
      this.enrolment.set(await this.api.startTotp());
      this.form.reset();
      this.step.set('enrol-totp');
    });
  }

  protected async confirmTotp(): Promise<void> {
    const enrolment = this.enrolment();
    if (!enrolment || this.form.invalid) return;
    await this.run(async () => this.done(await this.api.confirmTotp(enrolment.factorId, this.form.getRawValue().code.trim())));
  }

  protected async enrolPasskey(): Promise<void> {
    await this.run(async () => {
      const response = await createPasskey(await this.api.passkeyRegistrationOptions());
      await this.done(await this.api.registerPasskey(response, 'Console passkey'));
    });
  }

  private async route(session: AdminSession): Promise<void> {
    if (session.mfa === 'verified') {
      await this.router.navigateByUrl(safeNextUrl(this.next()));
    } else if (session.mfa === 'enrol_required') {
      this.step.set('enrol');
    } else {
      this.challenge.set(await this.api.startChallenge());
      this.step.set('verify');
    }
  }

  protected async done(session: AdminSession): Promise<void> {
    this.store.set(session);
    await this.route(session);
  }

  private async run(work: () => Promise<void>): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      await work();
    } catch (err) {
      this.problem.set(passkeyCancelled(err) ? PASSKEY_CLOSED : toApiProblem(err));
      this.form.controls.code.reset();
    } finally {
      this.busy.set(false);
    }
  }
}
