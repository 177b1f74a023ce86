import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Challenge, MemberSelf } from '@latchkey/contracts';
import { toApiProblem } from '../../core/api-problem';
import { takeLinkFragment } from '../../core/link-fragment';
import { PortalApi } from '../../core/portal-api';
import { ChallengeAnswer } from '../../shared/challenge-answer';
import { focuser } from '../../shared/focus';
import { WhoAsks } from '../../shared/who-asks';

type Step = 'loading' | 'no-link' | 'failed' | 'closed' | 'answer' | 'done';

@Component({
  selector: 'app-verify-page',
  imports: [RouterLink, ChallengeAnswer, WhoAsks],
  templateUrl: './verify-page.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class VerifyPage {
  private readonly api = inject(PortalApi);
  private readonly focus = focuser();

  protected readonly step = signal<Step>('loading');
  protected readonly self = signal<MemberSelf | null>(null);
  protected readonly challenge = signal<Challenge | null>(null);
  protected readonly fatal = signal<string | null>(null);
  protected readonly remembered = signal(false);
  protected readonly serverName = computed(() => this.self()?.server.name ?? 'your media server');
  /** Where to send the member back: only what the API gave for this sign-in (it checked the server's origins), and only http(s). */
  protected readonly returnUrl = computed(() => webAddress(this.challenge()?.returnUrl));

  constructor() {
    // The challenge id is kept in the history entry: after a reload, the session cookie and it carry on.
    const params = takeLinkFragment(['challenge']);
    const link = params.get('link');
    const challengeId = params.get('challenge');
    if (!link && !challengeId) {
      this.step.set('no-link');
      return;
    }
    void this.open(link, challengeId);
  }

  private async open(link: string | null, challengeId: string | null): Promise<void> {
    try {
      this.self.set(link ? await this.api.startSession(link) : await this.api.me());
      if (!challengeId) {
        this.fatal.set('This link does not say which sign-in to confirm. Sign in to your media server again to get a new one.');
        this.step.set('failed');
        return;
      }
      const challenge = await this.api.challenge(challengeId);
      this.challenge.set(challenge);
      this.step.set(challenge.status === 'pending' ? 'answer' : 'closed');
    } catch (err) {
      const p = toApiProblem(err);
      if (!link && p.status === 401) {
        this.step.set('no-link');
        return;
      }
      this.fatal.set(
        p.code === 'challenge_not_found'
          ? 'This sign-in request is unknown or has expired. Sign in to your media server again to get a new one.'
          : p.message,
      );
      this.step.set('failed');
    }
  }

  protected completed(remembered: boolean): void {
    this.remembered.set(remembered);
    this.step.set('done');
    this.focus(this.returnUrl() ? 'return-link' : 'done-heading');
  }
}

function webAddress(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password ? u.href : null;
  } catch {
    return null;
  }
}
