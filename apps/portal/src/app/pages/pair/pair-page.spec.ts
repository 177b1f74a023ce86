import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { PairPage } from './pair-page';

describe('PairPage', () => {
  let fixture: ComponentFixture<PairPage>;
  let root: HTMLElement;
  let input: HTMLInputElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    fixture = TestBed.createComponent(PairPage);
    root = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    input = root.querySelector<HTMLInputElement>('#user-code')!;
  });

  async function enter(value: string): Promise<void> {
    input.value = value;
    input.dispatchEvent(new Event('input'));
    root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await fixture.whenStable();
  }

  it('is labelled and set up for one-time codes', () => {
    expect(root.querySelector('label[for="user-code"]')?.textContent).toContain('Enter the code shown on your TV');
    expect(input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(input.getAttribute('inputmode')).toBe('text');
    expect(input.getAttribute('autocapitalize')).toBe('characters');
  });

  it('accepts a code typed loosely and says pairing is not available yet', async () => {
    await enter('wdjb mjht');
    expect(input.value).toBe('WDJB-MJHT');
    expect(root.textContent).toContain('Pairing will be available soon');
    expect(root.textContent).toContain('WDJB-MJHT');
    expect(root.querySelector('#user-code-error')).toBeNull();
  });

  it('explains a code with characters that never appear in codes', async () => {
    await enter('abcd 1234');
    expect(root.querySelector('#user-code-error')?.textContent).toContain(
      'Codes never contain “A”, “1”, “2”, “3” and “4”: they use letters only, and no vowels.',
    );
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(root.textContent).not.toContain('Pairing will be available soon');
  });

  it('explains a code of the wrong length', async () => {
    await enter('wdjb');
    expect(root.querySelector('#user-code-error')?.textContent).toContain('8 letters');
  });
});
