import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Challenge, PairingRequest } from '@latchkey/contracts';
import { toApiProblem } from '../../core/api-problem';
import { PortalApi } from '../../core/portal-api';
import { ChallengeAnswer } from '../../shared/challenge-answer';
import { focuser } from '../../shared/focus';
import { timeAgo, timeUntil } from '../../shared/time-words';
import { USER_CODE_LENGTH, foreignCharacters, normalizeUserCode, userCodeProblem } from './user-code';

/** code: type the TV's code · confirm: prove it is you · review: approve or deny · then the outcome. */
type Step = 'code' | 'confirm' | 'review' | 'approved' | 'denied' | 'closed';

function quoteList(chars: string[]): string {
  const quoted = chars.map((c) => `“${c}”`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

@Component({
  selector: 'app-pair-page',
  imports: [RouterLink, ChallengeAnswer],
  templateUrl: './pair-page.html',
  styleUrl: './pair-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PairPage {
  private readonly api = inject(PortalApi);
  private readonly focus = focuser();

  protected readonly step = signal<Step>('code');
  protected readonly busy = signal(false);
  protected readonly value = signal('');
  protected readonly attempted = signal(false);
  /** What the API said about the typed code (unknown or expired, too many tries). */
  protected readonly serverError = signal<string | null>(null);
  protected readonly serverName = signal('your media server');
  protected readonly challenge = signal<Challenge | null>(null);
  protected readonly request = signal<PairingRequest | null>(null);
  /** A problem with approving or denying; the member can try again. */
  protected readonly problem = signal<string | null>(null);

  protected readonly error = computed(() => {
    if (!this.attempted()) return null;
    const value = this.value();
    switch (userCodeProblem(value)) {
      case null:
        return this.serverError();
      case 'empty':
        return 'Enter the code shown on your TV.';
      case 'wrong_length':
        return `The code has ${USER_CODE_LENGTH} letters, like WDJB-MJHT.`;
      case 'bad_characters': {
        const chars = foreignCharacters(value);
        return `Codes never contain ${quoteList(chars)}: they use letters only, and no vowels. Check the code on your TV.`;
      }
    }
  });

  /** The device in a few words: "Living room TV", its app, where from and when. */
  protected readonly device = computed(() => {
    const r = this.request();
    if (!r) return null;
    return {
      name: r.deviceName ?? 'A TV or app with no name',
      client: r.client ?? 'an app that did not say its name',
      from: capitalised(r.location),
      asked: capitalised(timeAgo(r.requestedAt)),
      expires: timeUntil(r.expiresAt),
    };
  });

  protected onInput(event: Event): void {
    this.value.set((event.target as HTMLInputElement).value);
    this.serverError.set(null);
  }

  /** Tidy the field to `ABCD-EFGH` when the person leaves it with a valid code. */
  protected onBlur(input: HTMLInputElement): void {
    const code = normalizeUserCode(input.value);
    if (code) {
      input.value = code;
      this.value.set(code);
    }
  }

  protected async submit(event: Event, input: HTMLInputElement): Promise<void> {
    event.preventDefault();
    if (this.busy()) return;
    this.attempted.set(true);
    this.serverError.set(null);
    const code = normalizeUserCode(this.value());
    if (!code) {
      input.focus();
      return;
    }
    input.value = code;
    this.value.set(code);
    this.busy.set(true);
    try {
      const started = await this.api.startPairing(code);
      this.serverName.set(started.serverName);
      this.challenge.set(await this.api.challenge(started.verificationChallengeId));
      this.go('confirm');
    } catch (err) {
      const p = toApiProblem(err);
      this.serverError.set(
        p.code === 'pairing_code_invalid'
          ? 'This code does not work. It may be mistyped, or it has expired or was already used. Check the code your TV shows now; if it has changed, type the new one.'
          : p.message,
      );
      input.focus();
    } finally {
      this.busy.set(false);
    }
  }

  /** The member proved it is them: now they may see what is asking. */
  protected async confirmed(): Promise<void> {
    this.busy.set(true);
    try {
      const request = await this.api.pairingRequest();
      this.request.set(request);
      this.go(request.status === 'pending' ? 'review' : 'closed');
    } catch (err) {
      this.problem.set(toApiProblem(err).message);
      this.go('closed');
    } finally {
      this.busy.set(false);
    }
  }

  protected async answer(answer: 'approve' | 'deny'): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.request.set(await this.api.answerPairing(answer));
      this.go(answer === 'approve' ? 'approved' : 'denied');
    } catch (err) {
      const p = toApiProblem(err);
      if (p.code === 'pairing_code_invalid' || p.status === 401) {
        // Answered elsewhere, or expired meanwhile: nothing left to do here.
        this.request.update((r) => (r ? { ...r, status: 'expired' } : r));
        this.problem.set('This request was already answered, or it has expired.');
        this.go('closed');
      } else {
        this.problem.set(p.message);
      }
    } finally {
      this.busy.set(false);
    }
  }

  /** Back to the code field, for another code; the code's session is ended. */
  protected startOver(): void {
    void this.api.endSession().catch(() => undefined);
    this.challenge.set(null);
    this.request.set(null);
    this.problem.set(null);
    this.attempted.set(false);
    this.value.set('');
    this.step.set('code');
    this.focus('user-code');
  }

  private go(step: Step): void {
    this.step.set(step);
    this.focus('step-heading');
  }
}
