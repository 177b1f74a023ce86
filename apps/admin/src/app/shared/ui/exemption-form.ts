import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { FieldControl, FormField, fieldMessage, type FieldMessages } from '@latchkey/ui';
import type { ApiProblem } from '../../core/api-error';
import type { Policy } from '../../core/api-types';

export interface ExemptionInput {
  policyId: string | null;
  reason: string;
  expiresAt: string | null;
}

const MESSAGES = {
  reason: {
    required: 'Say why; the reason is kept with the exemption.',
    pattern: 'Say why; the reason is kept with the exemption.',
    maxlength: 'Keep the reason under 500 characters.',
  },
  policyId: {},
  expiresOn: { past: 'Choose a date from today on, or leave it empty.' },
} satisfies Record<string, FieldMessages>;

/** The end of a chosen day (`YYYY-MM-DD`) in the owner's time zone, as an ISO timestamp. */
export function endOfDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59, 999).toISOString();
}

/** Which policy, why, and until when: the fields of an exemption (for one member or a selection). */
@Component({
  selector: 'app-exemption-form',
  imports: [ReactiveFormsModule, FormField, FieldControl],
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
      <lk-field label="Policy" [controlId]="idPrefix() + '-policy'" [error]="fieldError('policyId')">
        <select lkFieldControl formControlName="policyId">
          <option value="">All policies</option>
          @for (p of policies(); track p.id) {
            <option [value]="p.id">{{ p.name }}</option>
          }
        </select>
      </lk-field>
      <lk-field label="Reason" [controlId]="idPrefix() + '-reason'" [error]="fieldError('reason')" hint="For example: “Her TV cannot show a code; revisit at Christmas.”">
        <textarea lkFieldControl formControlName="reason" rows="2" maxlength="500"></textarea>
      </lk-field>
      <lk-field label="Until (optional)" [controlId]="idPrefix() + '-expires'" [error]="fieldError('expiresOn')" hint="Leave empty to excuse them until you revoke it.">
        <input lkFieldControl type="date" formControlName="expiresOn" [min]="today" />
      </lk-field>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" [disabled]="busy()">{{ busy() ? 'Saving…' : submitLabel() }}</button>
        <button type="button" class="btn" (click)="cancelled.emit()" [disabled]="busy()">Cancel</button>
      </div>
    </form>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExemptionForm {
  readonly policies = input.required<readonly Policy[]>();
  readonly idPrefix = input('exemption');
  readonly submitLabel = input('Excuse');
  readonly busy = input(false);
  /** What the API said about the last attempt (field messages are shown under their fields). */
  readonly problem = input<ApiProblem | null>(null);
  readonly submitted = output<ExemptionInput>();
  readonly cancelled = output<void>();

  protected readonly today = new Date().toISOString().slice(0, 10);
  private readonly tried = signal(false);
  private readonly apiFields = computed(() => this.problem()?.fields ?? {});

  protected readonly form = inject(NonNullableFormBuilder).group({
    policyId: [''],
    reason: ['', [Validators.required, Validators.pattern(/\S/), Validators.maxLength(500)]],
    expiresOn: [''],
  });

  protected fieldError(name: keyof typeof MESSAGES): string | null {
    return fieldMessage(this.form.controls[name], this.tried(), MESSAGES[name], this.apiFields()[name === 'expiresOn' ? 'expiresAt' : name]);
  }

  protected submit(): void {
    this.tried.set(true);
    const { policyId, reason, expiresOn } = this.form.getRawValue();
    this.form.controls.expiresOn.setErrors(expiresOn !== '' && expiresOn < this.today ? { past: true } : null);
    if (this.form.invalid || this.busy()) return;
    this.submitted.emit({ policyId: policyId || null, reason: reason.trim(), expiresAt: expiresOn ? endOfDay(expiresOn) : null });
  }
}
