import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import { AdminApi } from '../../core/admin-api';
import { ApiProblem, toApiProblem } from '../../core/api-error';
import { SessionStore } from '../../core/session-store';

/** Only paths inside the console; never another site. */
export function safeNextUrl(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

const MESSAGES = {
  email: { required: 'Enter your email address.', email: 'Enter a valid email address.' },
  password: { required: 'Enter your password.' },
} satisfies Record<string, FieldMessages>;

@Component({
  selector: 'app-login-page',
  imports: [ReactiveFormsModule, FormField, FieldControl],
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

  protected fieldError(name: keyof typeof MESSAGES): string | null {
    return fieldMessage(this.form.controls[name], this.submitted(), MESSAGES[name], this.problem()?.fields[name]);
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
