import { ChangeDetectionStrategy, Component, ElementRef, computed, input, output, signal, viewChild } from '@angular/core';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { FieldControl, FormField, fieldMessage } from '@latchkey/ui';

/** Six digits, forgiving spaces and dashes (`123 456`). */
const SIX_DIGITS = /^\d{6}$/;
export const digitsOnly = (value: string) => value.replace(/[\s-]/g, '');

/**
 * One field for a one-time code and its button. Emits the code, tidied; the page calls the API and passes back
 * what the API said (`serverError`) and whether it is still waiting (`busy`).
 */
@Component({
  selector: 'app-code-form',
  imports: [ReactiveFormsModule, FormField, FieldControl],
  template: `
    <form class="code-form" (submit)="submit($event)" novalidate>
      <lk-field [label]="label()" [controlId]="controlId()" [hint]="hint()" [error]="error()">
        <input
          #codeInput
          lkFieldControl
          class="code-input"
          [class.code-input-text]="kind() === 'recovery'"
          type="text"
          [attr.inputmode]="kind() === 'recovery' ? 'text' : 'numeric'"
          autocomplete="one-time-code"
          autocapitalize="off"
          autocorrect="off"
          spellcheck="false"
          [attr.maxlength]="kind() === 'recovery' ? 64 : 12"
          [formControl]="code"
        />
      </lk-field>
      <button type="submit" class="btn btn-primary" [disabled]="busy()">{{ busy() ? 'Checking…' : submitLabel() }}</button>
    </form>
  `,
  styles: `
    .code-form {
      display: flex;
      flex-direction: column;
      gap: 0.25rem;
    }
    .code-input {
      font: 600 1.5rem/1.2 var(--mono);
      letter-spacing: 0.2em;
      padding: 0.6rem 0.75rem;
      min-height: 3.25rem;
      width: 100%;
      max-width: 14rem;
      border: 2px solid var(--border-strong);
      border-radius: var(--radius);
      background: #fff;
      color: var(--text);
    }
    .code-input-text {
      font-size: 1.15rem;
      letter-spacing: 0.08em;
      max-width: 22rem;
    }
    .code-input[aria-invalid='true'] {
      border-color: var(--danger);
    }
    .btn {
      align-self: flex-start;
      min-width: 9rem;
    }
    @media (max-width: 480px) {
      .code-input {
        max-width: none;
      }
      .btn {
        align-self: stretch;
      }
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CodeForm {
  readonly label = input.required<string>();
  readonly controlId = input.required<string>();
  readonly hint = input<string>();
  readonly submitLabel = input('Continue');
  /** `digits`: a six-digit code from an app or an e-mail; `recovery`: one of the saved recovery codes. */
  readonly kind = input<'digits' | 'recovery'>('digits');
  readonly busy = input(false);
  /** What the API said about the last code, if it was refused. */
  readonly serverError = input<string | null>(null);
  readonly submitted = output<string>();

  protected readonly code = new FormControl('', { nonNullable: true, validators: [Validators.required] });
  private readonly attempted = signal(false);
  /** Bumped on each submit so the error is recomputed (the control is not a signal). */
  private readonly tick = signal(0);
  private readonly input = viewChild.required<ElementRef<HTMLInputElement>>('codeInput');

  protected readonly error = computed(() => {
    this.tick();
    const local = this.localProblem();
    if (this.attempted() && local) return local;
    return fieldMessage(this.code, false, {}, this.serverError());
  });

  private localProblem(): string | null {
    const value = this.kind() === 'digits' ? digitsOnly(this.code.value) : this.code.value.trim();
    if (!value) return this.kind() === 'digits' ? 'Enter the 6-digit code.' : 'Enter one of your recovery codes.';
    if (this.kind() === 'digits' && !SIX_DIGITS.test(value)) return 'The code has 6 digits, like 123456.';
    return null;
  }

  /** Empties the field and puts the cursor in it (after a refused code). */
  reset(): void {
    this.code.setValue('');
    this.attempted.set(false);
    this.input().nativeElement.focus();
  }

  focus(): void {
    this.input().nativeElement.focus();
  }

  protected submit(event: Event): void {
    event.preventDefault();
    this.attempted.set(true);
    this.tick.update((n) => n + 1);
    if (this.localProblem()) {
      this.focus();
      return;
    }
    const value = this.kind() === 'digits' ? digitsOnly(this.code.value) : this.code.value.trim();
    this.submitted.emit(value);
  }
}
