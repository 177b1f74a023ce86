import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { FieldControl, FormField } from './form-field';

@Component({
  imports: [FormField, FieldControl],
  template: `
    <lk-field label="Email address" controlId="login-email" [error]="error()" [hint]="hint()">
      <input lkFieldControl type="email" autocomplete="username" inputmode="email" />
    </lk-field>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Host {
  readonly error = signal<string | null>(null);
  readonly hint = signal<string | undefined>(undefined);
}

describe('FormField with FieldControl', () => {
  let fixture: ComponentFixture<Host>;
  let root: HTMLElement;
  let input: HTMLInputElement;

  beforeEach(async () => {
    fixture = TestBed.createComponent(Host);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    input = root.querySelector('input')!;
  });

  async function set(changes: { error?: string | null; hint?: string }): Promise<void> {
    if ('error' in changes) fixture.componentInstance.error.set(changes.error ?? null);
    if ('hint' in changes) fixture.componentInstance.hint.set(changes.hint);
    await fixture.whenStable();
  }

  it('labels the projected control and keeps its own attributes', () => {
    expect(root.querySelector('lk-field')?.classList).toContain('field');
    expect(root.querySelector('label')?.getAttribute('for')).toBe('login-email');
    expect(root.querySelector('label')?.textContent).toBe('Email address');
    expect(input.id).toBe('login-email');
    expect(input.getAttribute('autocomplete')).toBe('username');
    expect(input.getAttribute('inputmode')).toBe('email');
  });

  it('shows no error, and marks nothing, while the value is fine', () => {
    expect(root.querySelector('.field-error')).toBeNull();
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(input.hasAttribute('aria-describedby')).toBe(false);
  });

  it('shows the error under the control and points the control at it', async () => {
    await set({ error: 'Enter your email address.' });
    const error = root.querySelector('#login-email-error');
    expect(error?.textContent).toBe('Enter your email address.');
    expect(error?.classList).toContain('field-error');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('login-email-error');

    await set({ error: null });
    expect(root.querySelector('#login-email-error')).toBeNull();
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(input.hasAttribute('aria-describedby')).toBe(false);
  });

  it('describes the control with its hint, then the error', async () => {
    await set({ hint: 'The one you sign in with.' });
    expect(root.querySelector('#login-email-hint')?.textContent).toBe('The one you sign in with.');
    expect(input.getAttribute('aria-describedby')).toBe('login-email-hint');

    await set({ error: 'Enter a valid email address.' });
    expect(input.getAttribute('aria-describedby')).toBe('login-email-hint login-email-error');
    const order = Array.from(root.querySelectorAll('lk-field > *')).map((el) => el.tagName.toLowerCase());
    expect(order).toEqual(['label', 'input', 'p', 'p']);
    expect(root.querySelector('lk-field > p:last-child')?.id).toBe('login-email-error');
  });
});
