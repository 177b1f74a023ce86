import { AbstractControl, FormControl, FormGroup, ValidationErrors, Validators } from '@angular/forms';
import { fieldMessage } from './field-message';

const messages = { required: 'Enter your email address.', email: 'Enter a valid email address.' };

function emailControl(value: string): FormControl<string> {
  return new FormControl(value, { nonNullable: true, validators: [Validators.required, Validators.email] });
}

describe('fieldMessage', () => {
  it('says nothing about an untouched field before the form is submitted', () => {
    expect(fieldMessage(emailControl(''), false, messages)).toBeNull();
  });

  it.each([
    ['the form was submitted', true, false],
    ['the field was touched', false, true],
  ])('names the first failing check once %s', (_when, submitted, touched) => {
    const control = emailControl('');
    if (touched) control.markAsTouched();
    expect(fieldMessage(control, submitted, messages)).toBe('Enter your email address.');
    control.setValue('not-an-address');
    expect(fieldMessage(control, submitted, messages)).toBe('Enter a valid email address.');
  });

  it('checks the codes in the order the messages list them', () => {
    const control = new FormControl('ab', { validators: [Validators.minLength(3), Validators.pattern(/^\d+$/)] });
    expect(fieldMessage(control, true, { pattern: 'Digits only.', minlength: 'Too short.' })).toBe('Digits only.');
    expect(fieldMessage(control, true, { minlength: 'Too short.', pattern: 'Digits only.' })).toBe('Too short.');
  });

  it('ignores errors it has no message for', () => {
    const control = new FormControl('', { validators: [Validators.required] });
    expect(fieldMessage(control, true, { email: 'Enter a valid email address.' })).toBeNull();
  });

  it('shows a cross-field error of the group under the field that lists it', () => {
    const mismatch = (group: AbstractControl): ValidationErrors | null =>
      group.value.confirm && group.value.password !== group.value.confirm ? { mismatch: true } : null;
    const form = new FormGroup(
      { password: new FormControl('one'), confirm: new FormControl('two') },
      { validators: mismatch },
    );
    const text = 'The two passwords do not match.';
    expect(fieldMessage(form.controls.confirm, true, { required: 'Type it again.', mismatch: text })).toBe(text);
    expect(fieldMessage(form.controls.password, true, { required: 'Choose a password.' })).toBeNull();
  });

  it.each([
    ['before any check applies', false, ''],
    ['when the value passes the checks', true, 'owner@example.com'],
  ])("falls back to the server's message %s", (_when, submitted, value) => {
    const control = emailControl(value);
    expect(fieldMessage(control, submitted, messages, 'This address is not accepted.')).toBe(
      'This address is not accepted.',
    );
    expect(fieldMessage(control, submitted, messages, null)).toBeNull();
  });

  it("prefers the field's own check to the server's message", () => {
    expect(fieldMessage(emailControl(''), true, messages, 'This address is not accepted.')).toBe(
      'Enter your email address.',
    );
  });
});
