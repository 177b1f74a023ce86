import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SessionStore } from '../../core/session-store';

/** Only paths inside the console; never another site. */
export function safeNextUrl(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

@Component({
  selector: 'app-login-page',
  imports: [ReactiveFormsModule],
  templateUrl: './login-page.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage implements OnInit {
  private readonly api = inject(AdminApi);
  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);

  /** Where to go after signing in (query parameter `next`, set by the guard). */
  readonly next = input<string>();

  protected readonly submitting = signal(false);
  protected readonly submitted = signal(false);
  protected readonly problem = signal<ApiProblem | null>(null);
  protected readonly noOwnerYet = signal(false);

  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email]],
    password: ['', [Validators.required]],
  });

  ngOnInit(): void {
    // A hint for a fresh install; failures here are not worth a message.
    this.api.setupStatus().then(
      (status) => this.noOwnerYet.set(!status.ownerExists),
      () => undefined,
    );
  }

  protected fieldError(name: 'email' | 'password'): string | null {
    const control = this.form.controls[name];
    if (this.submitted() || control.touched) {
      if (control.hasError('required')) return name === 'email' ? 'Enter your email address.' : 'Enter your password.';
      if (control.hasError('email')) return 'Enter a valid email address.';
    }
    return this.problem()?.fields[name] ?? null;
  }

  protected async submit(): Promise<void> {
    this.submitted.set(true);
    this.problem.set(null);
    if (this.form.invalid || this.submitting()) return;
    const { email, password } = this.form.getRawValue();
    this.submitting.set(true);
    try {
      this.session.set(await this.api.signIn({ email: email.trim(), password }));
      await this.router.navigateByUrl(safeNextUrl(this.next()));
    } catch (err) {
      this.problem.set(toApiProblem(err));
      this.form.controls.password.reset();
      this.submitted.set(false);
    } finally {
      this.submitting.set(false);
    }
  }
}
