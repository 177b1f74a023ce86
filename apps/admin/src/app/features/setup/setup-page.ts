import { Location } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { AbstractControl, FormControl, FormGroup, ReactiveFormsModule, ValidationErrors, ValidatorFn, Validators } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { Codes } from '../../core/api-types';
import { SessionStore } from '../../core/session-store';

export const MIN_PASSWORD_LENGTH = 12;

/** Reads `token` from a URL fragment such as `token=XYZ` (the fragment never reaches a server). */
export function setupTokenFromFragment(fragment: string | null | undefined): string | null {
  if (!fragment) return null;
  const token = new URLSearchParams(fragment.replace(/^#/, '')).get('token')?.trim();
  return token ? token : null;
}

/** Display name, password and its confirmation: what a new admin chooses (the owner at setup, an invitee). */
export function accountControls() {
  const text = (...validators: ValidatorFn[]) => new FormControl('', { nonNullable: true, validators });
  return {
    displayName: text(Validators.required, Validators.maxLength(100)),
    password: text(Validators.required, Validators.minLength(MIN_PASSWORD_LENGTH), Validators.maxLength(256)),
    confirm: text(Validators.required),
  };
}

export function passwordsMatch(group: AbstractControl): ValidationErrors | null {
  const password = group.get('password')?.value as string | undefined;
  const confirm = group.get('confirm')?.value as string | undefined;
  return confirm && password !== confirm ? { mismatch: true } : null;
}

const TOO_LONG = 'This is too long.';

/** What each field says when one of our own checks fails (the first listed wins); `mismatch` is the form's. */
export const ACCOUNT_MESSAGES = {
  email: {
    required: 'Enter your email address.',
    email: 'Enter a valid email address, like you@example.com.',
    maxlength: TOO_LONG,
  },
  displayName: { required: 'Enter the name to show in the console.', maxlength: TOO_LONG },
  password: {
    required: 'Choose a password.',
    minlength: `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
    maxlength: TOO_LONG,
  },
  confirm: { required: 'Type the password again.', mismatch: 'The two passwords do not match.' },
} satisfies Record<string, FieldMessages>;

type SetupState = 'checking' | 'form' | 'no-token' | 'token-invalid' | 'already-done' | 'status-failed';

@Component({
  selector: 'app-setup-page',
  imports: [ReactiveFormsModule, RouterLink, FormField, FieldControl],
  templateUrl: './setup-page.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SetupPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly location = inject(Location);

  protected readonly minLength = MIN_PASSWORD_LENGTH;
  protected readonly state = signal<SetupState>('checking');
  protected readonly submitting = signal(false);
  protected readonly submitted = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  private token: string | null = null;

  protected readonly form = new FormGroup(
    { email: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.email, Validators.maxLength(320)] }), ...accountControls() },
    { validators: passwordsMatch },
  );

  ngOnInit(): void {
    this.token = setupTokenFromFragment(this.route.snapshot.fragment);
    if (this.token) {
      // Keep the one-time token out of the address bar and the history once we hold it.
      this.location.replaceState(this.location.path(false));
    }
    void this.checkStatus();
  }

  protected async checkStatus(): Promise<void> {
    this.state.set('checking');
    this.problem.set(null);
    try {
      const status = await this.api.setupStatus();
      if (status.ownerExists) this.state.set('already-done');
      else this.state.set(this.token ? 'form' : 'no-token');
    } catch (err) {
      this.problem.set(toApiProblem(err));
      this.state.set('status-failed');
    }
  }

  /** The message to show under a field, or null: our own checks first, then what the API said. */
  protected fieldError(name: keyof typeof ACCOUNT_MESSAGES): string | null {
    return fieldMessage(this.form.controls[name], this.submitted(), ACCOUNT_MESSAGES[name], this.problem()?.fields[name]);
  }

  protected async submit(): Promise<void> {
    this.submitted.set(true);
    this.problem.set(null);
    if (this.form.invalid || !this.token || this.submitting()) return;
    const { email, displayName, password } = this.form.getRawValue();
    this.submitting.set(true);
    try {
      const session = await this.api.completeSetup({
        token: this.token,
        email: email.trim(),
        displayName: displayName.trim(),
        password,
      });
      this.session.set(session);
      await this.router.navigateByUrl('/');
    } catch (err) {
      const problem = toApiProblem(err);
      if (problem.code === Codes.setupAlreadyDone) this.state.set('already-done');
      else if (problem.code === Codes.setupTokenInvalid) this.state.set('token-invalid');
      this.problem.set(problem);
    } finally {
      this.submitting.set(false);
    }
  }
}
