import { Location } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormGroup, ReactiveFormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { FieldControl, FormField, fieldMessage } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { Codes } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';
import { ACCOUNT_MESSAGES, MIN_PASSWORD_LENGTH, accountControls, passwordsMatch, setupTokenFromFragment } from '../setup/setup-page';

type State = 'form' | 'no-token' | 'invalid';

/**
 * Where an invitation link leads (`/admin/invite#token=…`): the invited admin picks a name and a
 * password, then sets up a second factor like every admin.
 */
@Component({
  selector: 'app-accept-invite-page',
  imports: [ReactiveFormsModule, RouterLink, FormField, FieldControl],
  templateUrl: './accept-invite-page.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AcceptInvitePage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly location = inject(Location);

  protected readonly minLength = MIN_PASSWORD_LENGTH;
  protected readonly state = signal<State>('form');
  protected readonly submitting = signal(false);
  protected readonly submitted = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  private token: string | null = null;

  protected readonly form = new FormGroup(accountControls(), { validators: passwordsMatch });

  ngOnInit(): void {
    this.token = setupTokenFromFragment(this.route.snapshot.fragment);
    // Keep the single-use token out of the address bar and the history once we hold it.
    if (this.token) this.location.replaceState(this.location.path(false));
    else this.state.set('no-token');
  }

  protected fieldError(name: 'displayName' | 'password' | 'confirm'): string | null {
    return fieldMessage(this.form.controls[name], this.submitted(), ACCOUNT_MESSAGES[name], this.problem()?.fields[name]);
  }

  protected async submit(): Promise<void> {
    this.submitted.set(true);
    this.problem.set(null);
    if (this.form.invalid || !this.token || this.submitting()) return;
    const { displayName, password } = this.form.getRawValue();
    this.submitting.set(true);
    try {
      this.session.set(await this.api.acceptInvite({ token: this.token, displayName: displayName.trim(), password }));
      // The console asks for a second factor first (the guard sends a new admin to /mfa).
      await this.router.navigateByUrl('/');
    } catch (err) {
      const problem = toApiProblem(err);
      if (problem.code === Codes.inviteInvalid) this.state.set('invalid');
      this.problem.set(problem);
    } finally {
      this.submitting.set(false);
    }
  }
}
