import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, InjectionToken, computed, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { ActivatedRoute, RouterLink } from '@angular/router';
import type { Challenge, ForwardAuthSignInInfo } from '@latchkey/contracts';
import { FieldControl, FormField, passkeyCancelled, passkeysSupported, usePasskey } from '@latchkey/ui';
import { toApiProblem } from '../../core/api-problem';
import { PortalApi } from '../../core/portal-api';
import { ChallengeAnswer } from '../../shared/challenge-answer';
import { focuser } from '../../shared/focus';

/** Leaves the page for the protected page (a full navigation: the proxy must see the new cookie). */
export const LEAVE_FOR = new InjectionToken<(url: string) => void>('LEAVE_FOR', {
  providedIn: 'root',
  factory: () => (url: string) => window.location.assign(url),
});

type Step = 'loading' | 'no-target' | 'choose' | 'second-factor' | 'leaving';

/**
 * Where a reverse proxy (forward-auth) sends a member who is not signed in: a passkey that verifies its user,
 * or the media-server password (checked by the media server) followed by a second factor. Afterwards the
 * browser goes back to the page it wanted (`rd`, which the API checks is a protected page).
 */
@Component({
  selector: 'app-sign-in-page',
  imports: [RouterLink, ReactiveFormsModule, FormField, FieldControl, ChallengeAnswer],
  templateUrl: './sign-in-page.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SignInPage {
  private readonly api = inject(PortalApi);
  private readonly leaveFor = inject(LEAVE_FOR);
  private readonly focus = focuser();
  private readonly rd = inject(ActivatedRoute).snapshot.queryParamMap.get('rd');

  protected readonly step = signal<Step>('loading');
  protected readonly info = signal<ForwardAuthSignInInfo | null>(null);
  protected readonly challenge = signal<Challenge | null>(null);
  protected readonly problem = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly serverName = computed(() => this.info()?.server.name ?? 'your media server');
  protected readonly canPasskey = passkeysSupported();

  protected readonly form = new FormGroup({
    username: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    password: new FormControl('', { nonNullable: true }),
  });
  protected readonly usernameError = signal<string | null>(null);

  constructor() {
    if (!this.rd) {
      this.step.set('no-target');
      return;
    }
    void this.load(this.rd);
  }

  private async load(rd: string): Promise<void> {
    try {
      this.info.set(await this.api.signInInfo(rd));
      this.step.set('choose');
    } catch (err) {
      const p = toApiProblem(err);
      this.problem.set(p.code === 'validation_failed' ? null : p.message);
      this.step.set('no-target');
    }
  }

  protected async withPassword(event: Event): Promise<void> {
    event.preventDefault();
    const info = this.info();
    if (!info || this.busy()) return;
    const { username, password } = this.form.getRawValue();
    if (!username.trim()) {
      this.usernameError.set('Enter your user name.');
      this.focus('sign-in-username');
      return;
    }
    this.usernameError.set(null);
    this.busy.set(true);
    this.problem.set(null);
    try {
      const started = await this.api.signInWithPassword(info.returnTo, username, password);
      this.form.controls.password.reset('');
      if (started.challenge) {
        this.challenge.set(started.challenge);
        this.step.set('second-factor');
        this.focus('second-factor-heading');
      } else {
        await this.finish();
      }
    } catch (err) {
      this.problem.set(toApiProblem(err).message);
      this.form.controls.password.reset('');
    } finally {
      this.busy.set(false);
    }
  }

  protected async withPasskey(): Promise<void> {
    const info = this.info();
    if (!info || this.busy()) return;
    this.busy.set(true);
    this.problem.set(null);
    try {
      const assertion = await usePasskey(await this.api.signInPasskeyOptions(info.returnTo));
      this.leave((await this.api.signInWithPasskey(info.returnTo, assertion)).returnTo);
    } catch (err) {
      this.problem.set(
        passkeyCancelled(err)
          ? 'The passkey was not used. Try again, or sign in with your password.'
          : err instanceof HttpErrorResponse
            ? toApiProblem(err).message
            : 'This device could not use a passkey. Sign in with your password instead.',
      );
    } finally {
      this.busy.set(false);
    }
  }

  /** The second factor was accepted: open the session the proxy reads, and go back. */
  protected async finish(): Promise<void> {
    const info = this.info();
    if (!info) return;
    try {
      this.leave((await this.api.completeSignIn(info.returnTo)).returnTo);
    } catch (err) {
      this.problem.set(toApiProblem(err).message);
      this.step.set('choose');
    }
  }

  private leave(url: string): void {
    this.step.set('leaving');
    this.leaveFor(url);
  }
}
