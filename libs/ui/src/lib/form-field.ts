import { ChangeDetectionStrategy, Component, Directive, computed, inject, input } from '@angular/core';

/**
 * A labelled form field: the label, the projected control (marked `lkFieldControl`), an optional hint and
 * the error message, wired together for assistive technology. Styled by `.field`, `.hint` and `.field-error`
 * in libs/ui/src/styles/base.css.
 *
 * ```html
 * <lk-field label="Email address" controlId="login-email" [error]="fieldError('email')">
 *   <input lkFieldControl type="email" formControlName="email" autocomplete="username" />
 * </lk-field>
 * ```
 */
@Component({
  selector: 'lk-field',
  template: `
    <label [for]="controlId()">{{ label() }}</label>
    <ng-content />
    @if (hint(); as hint) {
      <p class="hint" [id]="hintId()">{{ hint }}</p>
    }
    @if (error(); as message) {
      <p class="field-error" [id]="errorId()">{{ message }}</p>
    }
  `,
  host: { class: 'field' },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FormField {
  readonly label = input.required<string>();
  /** The `id` of the control; the label, hint and error are tied to it. */
  readonly controlId = input.required<string>();
  /** The message to show under the control, or null when there is nothing wrong. */
  readonly error = input<string | null>(null);
  readonly hint = input<string>();

  readonly hintId = computed(() => `${this.controlId()}-hint`);
  readonly errorId = computed(() => `${this.controlId()}-error`);
  /** What the control's `aria-describedby` lists: the hint, then the error. */
  readonly describedBy = computed(() => {
    const ids = [this.hint() ? this.hintId() : null, this.error() ? this.errorId() : null].filter((id) => id !== null);
    return ids.length ? ids.join(' ') : null;
  });
}

/** Marks the input or select inside an `lk-field`: gives it the field's id, invalid state and description. */
@Directive({
  selector: '[lkFieldControl]',
  host: {
    '[id]': 'field.controlId()',
    '[attr.aria-invalid]': 'field.error() ? true : null',
    '[attr.aria-describedby]': 'field.describedBy()',
  },
})
export class FieldControl {
  protected readonly field = inject(FormField);
}
