import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { passkeyCancelled, passkeysSupported, usePasskey } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import type { AdminSession, Challenge } from '../../core/api-types';

export const PASSKEY_CLOSED: ApiProblem = { status: 0, code: 'unknown_error', message: 'The passkey prompt was closed. Try again, or use an authenticator app.', fields: {} };

/**
 * Answers an admin second-factor challenge: a passkey when the admin has one, else (or also) a code
 * from the authenticator app, or a recovery code. Used at sign-in and to confirm it is them again
 * before a security change. Emits the renewed session (new cookie and CSRF token).
 */
@Component({
  selector: 'app-second-factor-check',
  imports: [ReactiveFormsModule],
  template: `
    @if (problem(); as p) {
      <div class="alert alert-error" role="alert"><p>{{ p.message }}</p></div>
    }
    @if (canUsePasskey()) {
      <p><button type="button" class="btn btn-primary" (click)="verifyWithPasskey()" [disabled]="busy()">Use your passkey</button></p>
    }
    @if (canUseTotp() || canUseRecovery()) {
      <form [formGroup]="form" (ngSubmit)="verifyWithCode()" novalidate>
        <div class="field">
          @if (useRecovery()) {
            <label [for]="codeId()">Recovery code</label>
            <input [id]="codeId()" class="code" formControlName="code" autocomplete="off" spellcheck="false" placeholder="XXXXX-XXXXX-XXXXX" />
          } @else {
            <label [for]="codeId()">Code from your authenticator app</label>
            <input [id]="codeId()" class="code" formControlName="code" autocomplete="one-time-code" inputmode="numeric" maxlength="8" spellcheck="false" />
          }
        </div>
        <div class="form-actions">
          <button type="submit" class="btn" [class.btn-primary]="!canUsePasskey()" [disabled]="busy()">{{ busy() ? 'Checking…' : submitLabel() }}</button>
          @if (canUseRecovery() && canUseTotp()) {
            <button type="button" class="btn btn-link" (click)="toggleRecovery()">
              {{ useRecovery() ? 'Use the authenticator app instead' : 'Use a recovery code' }}
            </button>
          }
          @if (cancellable()) {
            <button type="button" class="btn" (click)="cancelled.emit()" [disabled]="busy()">Cancel</button>
          }
        </div>
      </form>
    } @else if (cancellable()) {
      <div class="form-actions"><button type="button" class="btn" (click)="cancelled.emit()" [disabled]="busy()">Cancel</button></div>
    }
  `,
  styles: `
    input.code {
      font-size: 1.4rem;
      letter-spacing: 0.2em;
      font-variant-numeric: tabular-nums;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SecondFactorCheck {
  private readonly api = inject(AdminApi);

  readonly challenge = input.required<Challenge>();
  readonly codeId = input('mfa-code');
  readonly submitLabel = input('Continue');
  /** Offers a Cancel button (the re-auth dialog). */
  readonly cancellable = input(false);
  readonly verified = output<AdminSession>();
  readonly cancelled = output<void>();

  protected readonly busy = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly useRecovery = signal(false);
  private readonly passkeys = passkeysSupported();
  protected readonly canUsePasskey = computed(() => this.passkeys && this.challenge().methods.includes('passkey'));
  protected readonly canUseTotp = computed(() => this.challenge().methods.includes('totp'));
  protected readonly canUseRecovery = computed(() => this.challenge().methods.includes('recovery_code'));
  protected readonly form = inject(NonNullableFormBuilder).group({ code: ['', [Validators.required, Validators.minLength(6)]] });

  protected async verifyWithPasskey(): Promise<void> {
    const id = this.challenge().id;
    await this.run(async () => {
      const assertion = await usePasskey(await this.api.passkeyAssertionOptions(id));
      return this.api.verifyChallenge(id, { method: 'passkey', assertion });
    });
  }

  protected async verifyWithCode(): Promise<void> {
    if (this.form.invalid) return;
    const method = this.useRecovery() ? 'recovery_code' : 'totp';
    const code = this.form.getRawValue().code.trim();
    await this.run(() => this.api.verifyChallenge(this.challenge().id, { method, code }));
  }

  protected toggleRecovery(): void {
    this.useRecovery.update((v) => !v);
    this.form.reset();
    this.problem.set(null);
  }

  private async run(work: () => Promise<AdminSession>): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.verified.emit(await work());
    } catch (err) {
      this.problem.set(passkeyCancelled(err) ? PASSKEY_CLOSED : toApiProblem(err));
      this.form.controls.code.reset();
    } finally {
      this.busy.set(false);
    }
  }
}
