import { ChangeDetectionStrategy, Component, computed, inject, signal, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Challenge, Factor, MemberSelf, PendingFactor, TotpEnrolment } from '@latchkey/contracts';
import { passkeyProblem, toApiProblem } from '../../core/api-problem';
import { takeLinkFragment } from '../../core/link-fragment';
import { PortalApi } from '../../core/portal-api';
import { createPasskey, passkeysSupported } from '@latchkey/ui';
import { ChallengeAnswer } from '../../shared/challenge-answer';
import { CodeForm } from '../../shared/code-form';
import { confirmWith, factorName, mainFactors, maskEmail } from '../../shared/factor-words';
import { focuser } from '../../shared/focus';
import { RecoveryCodesPanel } from '../../shared/recovery-codes';
import { TotpSetup } from '../../shared/totp-setup';
import { day } from '../../shared/time-words';

type Step = 'loading' | 'no-link' | 'failed' | 'choose' | 'totp' | 'email' | 'recovery' | 'done' | 'enrolled' | 'step-up';

import { WhoAsks } from '../../shared/who-asks';
@Component({
  selector: 'app-enrol-page',
  imports: [RouterLink, CodeForm, RecoveryCodesPanel, ChallengeAnswer, TotpSetup, WhoAsks],
  templateUrl: './enrol-page.html',
  styleUrl: './enrol-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class EnrolPage {
  private readonly api = inject(PortalApi);
  private readonly focus = focuser();

  protected readonly step = signal<Step>('loading');
  protected readonly self = signal<MemberSelf | null>(null);
  /** A problem that stops the page (the link did not work). */
  protected readonly fatal = signal<string | null>(null);
  /** A problem with the last action; the member can try again. */
  protected readonly problem = signal<string | null>(null);
  protected readonly codeError = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly passkeys = passkeysSupported();
  protected readonly emailUnavailable = signal(false);
  protected readonly otherEmail = signal(false);
  protected readonly totp = signal<TotpEnrolment | null>(null);
  protected readonly pendingEmail = signal<PendingFactor | null>(null);
  protected readonly codes = signal<readonly string[]>([]);
  /** The factor set up on this visit. */
  protected readonly added = signal<Factor | undefined>(undefined);
  /** The verification asked for before a member who already has a factor may change them. */
  protected readonly stepUpChallenge = signal<Challenge | null>(null);

  protected readonly serverName = computed(() => this.self()?.server.name ?? 'your media server');
  /** ", by 8 Dec 2026 (14 days from now)" — or, past it, what that means; empty without a deadline. */
  protected readonly deadlineWords = computed(() => {
    const r = this.self()?.requirement;
    if (!r?.deadline || r.daysLeft === null) return '';
    if (r.daysLeft > 1) return ` by ${day(r.deadline)} (${r.daysLeft} days from now)`;
    if (r.daysLeft === 1) return ` by ${day(r.deadline)} (tomorrow)`;
    return `; the deadline was ${day(r.deadline)}, so ${this.serverName()} may not let you in until you do`;
  });
  protected readonly factors = computed(() => mainFactors(this.self()?.factors ?? []));
  protected readonly allFactors = computed(() => this.self()?.factors ?? []);
  protected readonly confirmWith = computed(() => confirmWith(this.added() ?? this.factors()[0]));
  protected readonly factorName = factorName;
  /** The address the media server knows, partly hidden. */
  protected readonly emailOnFile = computed(() => {
    const email = this.self()?.member.email;
    return email ? maskEmail(email) : null;
  });

  private readonly codeForm = viewChild(CodeForm);

  constructor() {
    const link = takeLinkFragment().get('link');
    void this.open(link);
  }

  private async open(link: string | null): Promise<void> {
    try {
      const self = link ? await this.api.startSession(link) : await this.api.me();
      this.self.set(self);
      // First view: focus stays at the top, so the page is read from its first line.
      this.step.set(mainFactors(self.factors).length ? 'enrolled' : 'choose');
    } catch (err) {
      const p = toApiProblem(err);
      if (!link && (p.status === 401 || p.status === 403)) {
        this.step.set('no-link');
        return;
      }
      this.fatal.set(p.message);
      this.step.set('failed');
    }
  }

  private go(step: Step): void {
    this.step.set(step);
    this.problem.set(null);
    this.codeError.set(null);
    this.focus('step-heading');
  }

  protected back(): void {
    this.totp.set(null);
    this.pendingEmail.set(null);
    this.go('choose');
  }

  protected async usePasskey(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      const options = await this.api.passkeyCreationOptions();
      const response = await createPasskey(options);
      await this.afterFactorAdded(await this.api.registerPasskey(response), 'passkey');
    } catch (err) {
      if (await this.needsStepUp(err)) return;
      this.problem.set(
        passkeyProblem(err, {
          cancelled: 'The passkey was not saved. Try again, or choose another way below.',
          failed: 'This device could not create a passkey. Choose another way below.',
        }),
      );
    } finally {
      this.busy.set(false);
    }
  }

  protected async useApp(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.totp.set(await this.api.startTotp());
      this.go('totp');
    } catch (err) {
      if (await this.needsStepUp(err)) return;
      this.problem.set(toApiProblem(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async appConfirmed(self: MemberSelf): Promise<void> {
    await this.afterFactorAdded(self, 'totp');
  }

  protected async useEmail(event?: Event, input?: HTMLInputElement): Promise<void> {
    event?.preventDefault();
    if (this.busy()) return;
    const typed = input?.value.trim();
    if (input && !typed) {
      this.problem.set('Type the e-mail address where you want your codes.');
      input.focus();
      return;
    }
    if (typed && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(typed)) {
      this.problem.set('That does not look like an e-mail address. Check it and try again.');
      input?.focus();
      return;
    }
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.pendingEmail.set(await this.api.startEmail(typed));
      this.go('email');
    } catch (err) {
      if (await this.needsStepUp(err)) return;
      const p = toApiProblem(err);
      if (p.code === 'factor_unavailable') this.emailUnavailable.set(true);
      else this.problem.set(p.message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async confirmEmail(code: string): Promise<void> {
    const pending = this.pendingEmail();
    if (!pending || this.busy()) return;
    await this.confirm(() => this.api.confirmEmail(pending.factorId, code), 'email');
  }

  private async confirm(call: () => Promise<MemberSelf>, kind: Factor['kind']): Promise<void> {
    this.busy.set(true);
    this.codeError.set(null);
    try {
      await this.afterFactorAdded(await call(), kind);
    } catch (err) {
      this.codeError.set(toApiProblem(err).message);
      this.codeForm()?.reset();
    } finally {
      this.busy.set(false);
    }
  }

  /** A factor was added: the session was renewed, and now is the moment for recovery codes. */
  private async afterFactorAdded(self: MemberSelf, kind: Factor['kind']): Promise<void> {
    const hadCodes = this.allFactors().some((f) => f.kind === 'recovery_codes');
    this.self.set(self);
    const mine = self.factors.filter((f) => f.kind === kind);
    this.added.set(mine.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]);
    this.totp.set(null);
    // New codes would replace the ones the member already saved: only the first time.
    if (hadCodes) {
      this.go('done');
      return;
    }
    try {
      const created = await this.api.recoveryCodes();
      this.codes.set(created.codes);
      this.go('recovery');
    } catch {
      this.go('done');
    }
  }

  protected finish(): void {
    this.codes.set([]);
    this.go('done');
  }

  /** From the list of methods: adding one needs a fresh verification with one they have. */
  protected async addAnother(): Promise<void> {
    if (this.self()?.recentlyVerified) this.go('choose');
    else await this.startStepUp();
  }

  private async startStepUp(): Promise<void> {
    this.busy.set(true);
    try {
      this.stepUpChallenge.set(await this.api.stepUp());
      this.go('step-up');
    } catch (err) {
      this.problem.set(toApiProblem(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  /** A 403 `verification_required`: the member confirms it is them first, then comes back to the choices. */
  private async needsStepUp(err: unknown): Promise<boolean> {
    if (toApiProblem(err).code !== 'verification_required') return false;
    this.busy.set(false);
    await this.startStepUp();
    return true;
  }

  protected steppedUp(): void {
    this.self.update((s) => (s ? { ...s, recentlyVerified: true } : s));
    this.stepUpChallenge.set(null);
    this.go('choose');
  }
}
