import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal, viewChildren } from '@angular/core';
import type { Challenge, EmailCodeSent, VerificationMethod, VerifyResult } from '@latchkey/contracts';
import { passkeyProblem, toApiProblem } from '../core/api-problem';
import { PortalApi } from '../core/portal-api';
import { passkeysSupported, usePasskey } from '@latchkey/ui';
import { CodeForm } from './code-form';
import { focuser } from './focus';

type CodeMethod = Exclude<VerificationMethod, 'passkey'>;

/** The lowest lockout threshold the service allows (LATCHKEY_LOCKOUT_THRESHOLD ≥ 3). */
const MANY_FAILURES = 3;

/**
 * The ways to answer a challenge, in order: passkey, a code from the app, a code by e-mail, a recovery code.
 * Emits `completed` once the API accepted an answer.
 */
@Component({
  selector: 'app-challenge-answer',
  imports: [CodeForm],
  templateUrl: './challenge-answer.html',
  styleUrl: './challenge-answer.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChallengeAnswer {
  private readonly api = inject(PortalApi);
  private readonly focus = focuser();

  readonly challenge = input.required<Challenge>();
  readonly serverName = input.required<string>();
  /** A sign-in challenge: offer "remember this device" (the device signing in is then not asked for a while). */
  readonly offerRemember = input(false);
  readonly completed = output<VerifyResult & { remembered: boolean }>();

  /** What went wrong with the last answer, and for which way of answering. */
  protected readonly problem = signal<{ method: VerificationMethod | 'send'; message: string } | null>(null);
  protected readonly busy = signal(false);
  protected readonly showRecovery = signal(false);
  protected readonly emailSent = signal<EmailCodeSent | null>(null);
  protected readonly remember = signal(false);
  /** Wrong answers in a row: after a few, say that Latchkey may have stopped taking codes for a while. */
  protected readonly failures = signal(0);
  protected readonly manyFailures = computed(() => this.failures() >= MANY_FAILURES);

  private readonly methods = computed(() => this.challenge().methods);
  protected readonly canPasskey = computed(() => this.methods().includes('passkey') && passkeysSupported());
  protected readonly canTotp = computed(() => this.methods().includes('totp'));
  protected readonly canRecovery = computed(() => this.methods().includes('recovery_code'));
  protected readonly canEmail = computed(() => this.methods().includes('email'));
  protected readonly nothingHere = computed(() => !this.canPasskey() && !this.canTotp() && !this.canRecovery() && !this.canEmail());

  private readonly codeForms = viewChildren(CodeForm);

  protected problemFor(method: VerificationMethod | 'send'): string | null {
    const p = this.problem();
    return p?.method === method ? p.message : null;
  }

  protected async withPasskey(): Promise<void> {
    const id = this.challenge().id;
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      const assertion = await usePasskey(await this.api.passkeyRequestOptions(id));
      this.done(await this.api.verify(id, { method: 'passkey', assertion, ...this.rememberField() }));
    } catch (err) {
      const message = passkeyProblem(err, {
        cancelled: 'The passkey was not used. Try again, or use another way below.',
        failed: 'This device could not use a passkey. Use another way below.',
      });
      this.problem.set({ method: 'passkey', message });
    } finally {
      this.busy.set(false);
    }
  }

  protected async withCode(method: CodeMethod, code: string): Promise<void> {
    const id = this.challenge().id;
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.done(await this.api.verify(id, { method, code, ...this.rememberField() }));
    } catch (err) {
      const problem = toApiProblem(err);
      if (problem.code === 'verification_failed') this.failures.update((n) => n + 1);
      this.problem.set({ method, message: problem.message });
      this.codeForms()
        .find((f) => f.controlId() === `${method}-code`)
        ?.reset();
    } finally {
      this.busy.set(false);
    }
  }

  protected async sendEmail(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.emailSent.set(await this.api.emailChallengeCode(this.challenge().id));
      this.focus('email-code');
    } catch (err) {
      this.problem.set({ method: 'send', message: toApiProblem(err).message });
    } finally {
      this.busy.set(false);
    }
  }

  private rememberField(): { remember?: true } {
    return this.offerRemember() && this.remember() ? { remember: true } : {};
  }

  private done(result: VerifyResult): void {
    this.completed.emit({ ...result, remembered: this.rememberField().remember === true });
  }

  protected onRemember(event: Event): void {
    this.remember.set((event.target as HTMLInputElement).checked);
  }

  protected openRecovery(): void {
    this.showRecovery.set(true);
    this.focus('recovery_code-code');
  }
}
