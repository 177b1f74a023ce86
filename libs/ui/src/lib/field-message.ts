import type { AbstractControl } from '@angular/forms';

/** Messages by validator error code (`required`, `email`, `minlength`, …), in the order they are checked. */
export type FieldMessages = Partial<Record<string, string>>;

/**
 * The message to show under a form field, or null.
 *
 * Once the form was submitted or the field touched, the first code in `messages` that the control has as an
 * error wins. A code can also name a cross-field error of the control's group (a `mismatch` set by a form
 * validator): the field that lists it shows it. Otherwise, what the server said about the field, if anything.
 */
export function fieldMessage(
  control: AbstractControl,
  submitted: boolean,
  messages: FieldMessages,
  serverMessage?: string | null,
): string | null {
  if (submitted || control.touched) {
    for (const [code, message] of Object.entries(messages)) {
      if (message !== undefined && (control.hasError(code) || control.parent?.hasError(code))) return message;
    }
  }
  return serverMessage ?? null;
}
